"""The live channel keeps each socket's own sign-in (no leak between clients in one test)."""


def test_staff_socket_sees_unpublished_congress_and_public_socket_does_not(
        app, client, create_congress, create_user, login, socket_client):
    congress = create_congress(published=False)
    login(create_user(role="organizer", congress=congress))
    staff = socket_client(auth={"congress": congress.slug})
    assert staff.is_connected("/live")
    received = staff.get_received("/live")
    assert received[0]["name"] == "agenda_current"
    anonymous = socket_client(auth={"congress": congress.slug}, flask_client=app.test_client())
    assert not anonymous.is_connected("/live")
