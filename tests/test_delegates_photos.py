"""Delegate photos: only real JPEG or PNG images, stored small, upright and by server names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from conference import images
from conference.auth.service import Actor
from conference.delegates import photos, service
from conference.extensions import db

pytestmark = pytest.mark.english


@pytest.fixture
def delegate(congress, create_user):
    return service.create_delegate(Actor(create_user(admin=True)), congress,
                                   {"full_name": "Nguyễn Thị Hương"})


def image(kind: str = "JPEG", size=(1200, 1600), mode="RGB", exif=None) -> bytes:
    picture = Image.new(mode, size, (30, 120, 200) if mode == "RGB" else None)
    if mode == "RGB":
        picture.paste((250, 250, 0), (0, 0, size[0] // 2, size[1] // 4))  # a mark at the top
    buffer = io.BytesIO()
    picture.save(buffer, kind, **({"exif": exif} if exif is not None else {}))
    return buffer.getvalue()


def send(client, delegate, data: bytes, name: str = "anh.jpg"):
    return client.post(f"/manage/delegates/{delegate.id}/photo",
                       data={"photo": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored(app) -> list[Path]:
    folder = Path(app.instance_path) / "photos"
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_jpeg_is_stored_smaller_under_a_server_made_name(app, client, organizer, delegate):
    response = send(client, delegate, image(), name="../../etc/passwd.jpg")
    assert response.status_code == 302
    db.session.expire_all()
    assert photos.PHOTO_NAME.match(delegate.photo)
    assert delegate.photo.startswith(f"{delegate.id}-")
    [path] = stored(app)
    assert path.name == delegate.photo
    with Image.open(path) as saved:
        assert saved.format == "JPEG" and saved.size == (450, 600)
    served = client.get(f"/manage/delegates/{delegate.id}/photo.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == path.read_bytes()
    assert served.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/manage/delegates/{delegate.id}/photo.jpg",
                       headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_the_exif_orientation_is_applied_and_metadata_dropped(app, client, organizer, delegate):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    exif[0x010F] = "Camera maker"
    send(client, delegate, image(size=(800, 400), exif=exif))
    db.session.expire_all()
    with Image.open(photos.photo_path(delegate)) as saved:
        assert saved.size == (300, 600)  # upright: the wide sensor image is a tall portrait
        assert not saved.getexif()
        assert saved.getpixel((295, 10))[0] > 200  # the mark is at the top right now


def test_a_png_with_transparency_becomes_a_jpeg_on_white(app, client, organizer, delegate):
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    assert send(client, delegate, buffer.getvalue(), "anh.png").status_code == 302
    db.session.expire_all()
    with Image.open(photos.photo_path(delegate)) as saved:
        assert saved.format == "JPEG" and saved.mode == "RGB"
        assert saved.getpixel((50, 50)) == (255, 255, 255)


@pytest.mark.parametrize(("data", "name", "status", "message"), [
    (b"just some text, named like a photo", "anh.jpg", 415, "not a JPEG or PNG photo"),
    (b"%PDF-1.4 a document", "anh.png", 415, "not a JPEG or PNG photo"),
    (image("GIF", mode="L"), "anh.gif", 415, "not a JPEG or PNG photo"),
    (image("BMP", size=(60, 80)), "anh.jpg", 415, "not a JPEG or PNG photo"),
    (image()[:600], "anh.jpg", 422, "damaged or incomplete"),
    (b"", "anh.jpg", 422, "Choose a photo"),
])
def test_anything_else_is_refused_with_a_clear_message(app, client, organizer, delegate, data,
                                                       name, status, message):
    response = send(client, delegate, data, name)
    assert response.status_code == status
    assert message in response.text and 'id="e-photo"' in response.text
    db.session.expire_all()
    assert delegate.photo == "" and stored(app) == []


def test_no_file_at_all(client, organizer, delegate):
    response = client.post(f"/manage/delegates/{delegate.id}/photo", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a photo" in response.text


def test_a_photo_over_the_size_limit(app, client, organizer, delegate, monkeypatch):
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 1000)
    response = send(client, delegate, image())
    assert response.status_code == 413 and "larger than" in response.text
    assert stored(app) == []


def test_a_decompression_bomb_is_refused_without_decoding_it(app, client, organizer, delegate):
    bomb = image("PNG", size=(8000, 6000), mode="1")  # 48 megapixels in a few kilobytes
    assert len(bomb) < 100_000
    response = send(client, delegate, bomb, "anh.png")
    assert response.status_code == 422 and "too many pixels" in response.text
    assert stored(app) == []


def test_a_new_photo_replaces_the_old_file_and_removal_deletes_it(app, client, organizer,
                                                                   delegate):
    send(client, delegate, image())
    [first] = stored(app)
    send(client, delegate, image("PNG", size=(300, 300)), "anh.png")
    [second] = stored(app)
    assert first != second and not first.exists()
    response = client.post(f"/manage/delegates/{delegate.id}/photo/delete")
    assert response.status_code == 302
    assert stored(app) == []
    db.session.expire_all()
    assert delegate.photo == ""
    assert client.get(f"/manage/delegates/{delegate.id}/photo.jpg").status_code == 404


def test_photos_are_served_to_staff_only(app, client, congress, delegate, create_user, login):
    service.set_delegate_photo(Actor(create_user(admin=True)), delegate, image())
    url = f"/manage/delegates/{delegate.id}/photo.jpg"
    assert client.get(url).status_code == 302  # to the sign-in page
    login(create_user(role="checkin", congress=congress))
    assert client.get(url).status_code == 200
    # Check-in staff may look, not change.
    assert send(client, delegate, image()).status_code == 403


def test_deleting_a_delegate_deletes_the_photo(app, client, organizer, delegate):
    send(client, delegate, image())
    assert len(stored(app)) == 1
    client.post(f"/manage/delegates/{delegate.id}/delete")
    assert stored(app) == []


def test_a_tampered_photo_name_is_never_opened(app, delegate):
    delegate.photo = "../secret_key"
    assert photos.photo_path(delegate) is None
