"""Screens: the LED wall and hall screens, their scenes and playlists, driven live."""
