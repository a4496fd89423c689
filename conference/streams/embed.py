"""Which stream addresses can play inside our pages, and the player address for each.

YouTube videos play from youtube-nocookie.com (no tracking cookie until the viewer presses
play); Facebook videos through Facebook's video plugin. Anything else is shown as a link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
FACEBOOK_HOSTS = {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_PATHS = re.compile(r"^/(?:live|embed|shorts)/([^/]+)/?$")
FACEBOOK_VIDEO = re.compile(r"^/(?:[^/]+/videos/(?:[^/]+/)?\d+|watch/?|video\.php|reel/\d+)/?$")
# The hosts of the players above; the pages' Content-Security-Policy allows frames from these.
FRAME_SOURCES = ("https://www.youtube-nocookie.com", "https://www.facebook.com")


def youtube_id(url: str) -> str | None:
    """The video id of a YouTube watch, live, embed or youtu.be address, else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif host in YOUTUBE_HOSTS:
        match = YOUTUBE_PATHS.match(parts.path)
        if match:
            candidate = match.group(1)
        elif parts.path.rstrip("/") == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [""])[0]
        else:
            return None
    else:
        return None
    return candidate if YOUTUBE_ID.match(candidate) else None


def is_facebook_video(url: str) -> bool:
    parts = urlsplit(url)
    if (parts.hostname or "").lower() == "fb.watch":
        return bool(parts.path.strip("/"))
    if (parts.hostname or "").lower() not in FACEBOOK_HOSTS or not FACEBOOK_VIDEO.match(
            parts.path):
        return False
    return "/watch" not in parts.path or bool(parse_qs(parts.query).get("v"))


def embed_url(url: str) -> str | None:
    """The address of a player to put in an iframe for `url`, or None to show a link."""
    video = youtube_id(url)
    if video:
        return f"https://www.youtube-nocookie.com/embed/{video}"
    if is_facebook_video(url):
        return ("https://www.facebook.com/plugins/video.php?show_text=false&href="
                + quote(url, safe=""))
    return None
