from django.core import mail

from accounts.models import Notification
from accounts.roles import Role
from accounts.services import notification_send_email, notify


def test_notify_fills_inbox_and_sends_one_email_after_commit(
    make_user, shenyang, django_capture_on_commit_callbacks
):
    user = make_user(Role.CITY_ADMIN, city=shenyang, email="admin@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[user, user], title="有新的申报待审核", link="/applications/1/")
    note = Notification.objects.get(recipient=user)
    assert len(mail.outbox) == 1 and "有新的申报待审核" in mail.outbox[0].subject
    # A redelivered task finds the e-mail already sent.
    assert notification_send_email(notification_id=note.pk) is False
    assert len(mail.outbox) == 1


def test_inbox_shows_only_own_messages_and_marks_read(make_user, shenyang, login):
    me = make_user(Role.CITY_ADMIN, city=shenyang)
    other = make_user(Role.FINANCE, city=shenyang)
    notify(recipients=[me], title="给我的通知")
    theirs = notify(recipients=[other], title="别人的通知")[0]
    client = login(me)
    body = client.get("/accounts/inbox/").content.decode()
    assert "给我的通知" in body and "别人的通知" not in body
    assert client.post(f"/accounts/inbox/{theirs.pk}/read/").status_code == 404
    mine = Notification.objects.get(recipient=me)
    assert client.post(f"/accounts/inbox/{mine.pk}/read/").status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
