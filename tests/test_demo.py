"""The demo congress fills every page a new user opens on the first start."""

import unicodedata
from collections import Counter

import pytest
from sqlalchemy import func, select

from conference.agenda.service import ordered_sessions
from conference.checkin.models import CheckIn
from conference.delegates.models import Delegate
from conference.delegates.photos import photo_path
from conference.demo import ARRIVALS, FORMER_SLUG, PHOTOS, SLUG, load_demo
from conference.demo.people import demo_delegates
from conference.displays.models import Playlist, Screen
from conference.documents.models import Document
from conference.extensions import db
from conference.streams.models import Stream


@pytest.fixture
def demo(app):
    congress, created = load_demo()
    assert created
    return congress


def count(model, congress) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.congress_id == congress.id))


def test_the_demo_has_delegates_in_delegations_and_categories(demo):
    delegates = db.session.scalars(select(Delegate).where(Delegate.congress_id == demo.id)).all()
    assert 280 <= len(delegates) <= 320
    categories = Counter(delegate.category for delegate in delegates)
    assert categories["official"] > 250 and categories["guest"] >= 20
    assert len({delegate.delegation for delegate in delegates}) >= 15
    assert all(delegate.unit and delegate.position and delegate.seat for delegate in delegates)
    names = [delegate.full_name for delegate in delegates]
    assert len(set(names)) == len(names)
    # Vietnamese names: three or four words, most with diacritics, the common surnames first.
    assert all(3 <= len(name.split()) <= 4 for name in names)
    marked = [n for n in names if unicodedata.normalize("NFD", n) != n]
    assert len(marked) > 0.9 * len(names)
    assert Counter(name.split()[0] for name in names).most_common(1)[0][0] == "Nguyễn"
    assert sorted(d.code for d in delegates)[:2] == ["DB0001", "DB0002"]


def test_the_same_people_on_every_machine():
    assert demo_delegates() == demo_delegates()


def test_a_few_have_photos_and_some_are_checked_in(demo):
    with_photos = db.session.scalars(select(Delegate).where(
        Delegate.congress_id == demo.id, Delegate.photo != "")).all()
    assert len(with_photos) == PHOTOS
    assert all(photo_path(delegate).read_bytes()[:2] == b"\xff\xd8" for delegate in with_photos)
    assert count(CheckIn, demo) == ARRIVALS


def test_documents_streams_screens_and_a_playlist(demo):
    documents = db.session.scalars(select(Document).where(
        Document.congress_id == demo.id).order_by(Document.id)).all()
    assert [(d.category, d.status) for d in documents] == [
        ("political_report", "draft"), ("review_report", "final")]
    assert all(d.versions[-1].kind == "pdf" and d.versions[-1].size > 10_000 for d in documents)
    assert count(Stream, demo) == 2
    assert count(Screen, demo) == 2
    assert count(Playlist, demo) == 1


def test_item_times_follow_from_durations(demo):
    official = ordered_sessions(demo)[1]
    assert all(item.planned_start is None for item in official.items)
    times = [item.starts_at for item in official.items]
    assert times[0] == official.starts_at
    assert times == sorted(set(times))


@pytest.mark.english
def test_a_new_admin_finds_every_page_filled(demo, client, login, create_user):
    login(create_user(admin=True))
    delegates = client.get(f"/manage/{demo.id}/delegates").get_data(as_text=True)
    assert "Nguyễn" in delegates and "Khách mời" in delegates
    documents = client.get(f"/manage/{demo.id}/documents").get_data(as_text=True)
    assert "Dự thảo Báo cáo chính trị" in documents
    assert "Màn hình LED ngoài trời" in client.get(
        f"/manage/{demo.id}/screens").get_data(as_text=True)
    assert client.get(f"/manage/{demo.id}/attendance").status_code == 200


def test_the_former_address_leads_to_the_new_one(demo, client):
    assert SLUG == "dai-hoi-xix"
    response = client.get(f"/c/{FORMER_SLUG}/agenda-fragment?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/c/{SLUG}/agenda-fragment?lang=en"
    assert client.get(f"/c/{FORMER_SLUG}x").status_code == 404


def test_an_install_that_kept_the_former_address_still_serves_it(app, client, create_congress):
    create_congress(slug=FORMER_SLUG)
    assert client.get(f"/c/{FORMER_SLUG}").status_code == 200
