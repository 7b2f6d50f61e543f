"""Service targets end to end: admins set the calendar and targets, filing starts the clock,
answers and waits move it, experts see badges and filter what is overdue, the worker warns,
reminds and closes (each message once, even with two workers), and the report counts."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from extranet.accounts.models import User
from extranet.extensions import db
from extranet.notifications.models import Notification, OutboxEmail
from extranet.plugin_testing import file_request, load, reference_of
from extranet.requests import service
from extranet.requests.models import ServiceRequest
from extranet.servicetargets.calendar import working_calendar
from extranet.servicetargets.clock import add_working_time, working_time
from extranet.servicetargets.models import ClosedDay, RequestClock, SentReminder, ServiceTarget
from extranet.servicetargets.worker import run_due
from extranet.testing import csrf_token

H = timedelta(hours=1)
TICKET = {"title": "L’imprimante refuse", "priority": "normal", "affected_system": "Imprimante",
          "steps": "J’imprime, rien ne sort."}


def _targets(client, field="it", **cells):
    data = {"csrf_token": csrf_token(client, "/admin/service-targets")}
    data.update({f"{field}-{name}": value for name, value in cells.items()})
    return client.post(f"/admin/service-targets/targets/{field}", data=data)


def _file(app, client, **data) -> str:
    return reference_of(file_request(client, "support_ticket", {**TICKET, **data}, field="it"))


def _clock(app, reference):
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
        clock = db.session.get(RequestClock, req.id)
        if clock is not None:
            db.session.expunge(clock)
        return clock


def _move(app, reference, slug, person):
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
        service.apply_transition(req, service.workflow_of(req).transition(slug), db.session.get(User, person.id))
        db.session.commit()


def _assign(app, reference, expert, actor):
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
        service.assign(req, db.session.get(User, expert.id), db.session.get(User, actor.id))
        db.session.commit()


def _later(app, start, hours):
    with app.app_context():
        return add_working_time(working_calendar(), start, hours * H)


def _notified(app, kind):
    with app.app_context():
        return sorted(db.session.execute(select(Notification.user_id, Notification.request_id)
                                         .where(Notification.kind == kind)).all())


def _run(app, now):
    with app.app_context():
        return run_due(now)


def _set_it_targets(app, people, client_for):
    admin = client_for(app, people.admin)
    assert _targets(admin, support_ticket__normal__first="2", support_ticket__normal__resolution="16").status_code == 303
    return admin


def test_admins_set_targets_and_filing_starts_the_clock_in_working_hours(app, people, client_for):
    member = client_for(app, people.member_a)
    urgent = _file(app, member, priority="urgent")  # before any admin's target: the plugin's default
    assert _clock(app, urgent).first_response_minutes == 240
    admin = client_for(app, people.admin)
    assert 'value="4' in admin.get("/admin/service-targets").get_data(as_text=True)
    admin = _set_it_targets(app, people, client_for)
    page = admin.get("/admin/service-targets").get_data(as_text=True)
    assert 'name="it-support_ticket__normal__first"' in page and 'value="2' in page
    reference = _file(app, member)
    clock, req = _clock(app, reference), load(app, reference)
    assert (clock.first_response_minutes, clock.resolution_minutes) == (120, 960)
    assert clock.first_response_due_at == _later(app, req.created_at, 2) == req.due_at
    assert clock.resolution_due_at == _later(app, req.created_at, 16)
    # A cell the admin emptied stays empty, the plugin's default included: no clock.
    with app.app_context():
        assert db.session.scalar(select(ServiceTarget.first_response_minutes).filter_by(
            field="it", type="support_ticket", priority="urgent")) is None
    assert _clock(app, _file(app, member, priority="urgent")) is None


def test_changing_a_target_recomputes_the_deadlines_of_open_requests(app, people, client_for):
    """Targets apply to the requests still open, not only to those filed afterwards: their
    clocks take the new minutes and their due times follow, unless an expert set one by hand."""
    admin = _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    waiting, by_hand, answered, done, untargeted = (_file(app, member) for _ in range(5))
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=by_hand))
        req.due_at = req.created_at + timedelta(days=30)
        db.session.commit()
    _move(app, answered, "accept", people.expert)
    _assign(app, done, people.expert, people.admin)
    for slug in ("accept", "start", "deliver", "close"):
        _move(app, done, slug, people.expert if slug != "close" else people.member_a)
    with app.app_context():  # filed before any target existed: no clock at all
        db.session.delete(db.session.get(RequestClock, load(app, untargeted).id))
        req = db.session.get(ServiceRequest, load(app, untargeted).id)
        req.due_at = None
        db.session.commit()
    before = {ref: _clock(app, ref) for ref in (waiting, by_hand, answered, done)}
    due_before = {ref: load(app, ref).due_at for ref in (answered,)}

    response = _targets(admin, support_ticket__normal__first="4", support_ticket__normal__resolution="24")
    assert response.status_code == 303
    assert "open requests" in admin.get(response.location).get_data(as_text=True)

    for reference in (waiting, by_hand, untargeted):
        clock, req = _clock(app, reference), load(app, reference)
        assert (clock.first_response_minutes, clock.resolution_minutes) == (240, 1440)
        assert clock.first_response_due_at == _later(app, req.created_at, 4)
        assert clock.resolution_due_at == _later(app, req.created_at, 24)
    assert load(app, waiting).due_at == _clock(app, waiting).first_response_due_at
    assert load(app, untargeted).due_at == _clock(app, untargeted).first_response_due_at
    assert load(app, by_hand).due_at == load(app, by_hand).created_at + timedelta(days=30)
    # Answered: the response clock is over, the resolution's deadline moves; the due time
    # shown stays the one of the answer it was.
    clock = _clock(app, answered)
    assert clock.first_response_due_at is None and clock.first_response_at == before[answered].first_response_at
    assert clock.resolution_due_at > before[answered].resolution_due_at
    assert load(app, answered).due_at == due_before[answered]
    # Finished requests keep the targets they were measured against (the report reads them).
    assert (_clock(app, done).first_response_minutes, _clock(app, done).resolution_minutes) == (120, 960)
    # Cleared targets stop the clocks of open requests.
    assert _targets(admin).status_code == 303
    assert _clock(app, waiting).first_response_due_at is None and _clock(app, waiting).resolution_due_at is None
    assert load(app, waiting).due_at is None
    assert load(app, by_hand).due_at == load(app, by_hand).created_at + timedelta(days=30)


def test_a_target_out_of_range_is_refused_and_nothing_is_saved(app, people, client_for):
    admin = client_for(app, people.admin)
    response = _targets(admin, support_ticket__normal__first="abc", support_ticket__low__resolution="9999")
    assert response.status_code == 422
    assert "Enter a number of working hours between 0.25 and 2000." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(ServiceTarget.id))) == 0
    for who in (people.expert, people.manager_a):
        client = client_for(app, who)
        assert client.get("/admin/service-targets").status_code == 404
        assert _targets(client, support_ticket__normal__first="1").status_code == 404


def test_the_first_public_answer_stops_the_response_clock_and_a_wait_pauses_resolution(app, people, client_for):
    _set_it_targets(app, people, client_for)
    reference = _file(app, client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    token = csrf_token(expert, f"/requests/{reference}")
    expert.post(f"/requests/{reference}/notes", data={"csrf_token": token, "body": "à voir"})
    assert _clock(app, reference).first_response_at is None  # an internal note is no answer
    _move(app, reference, "accept", people.expert)
    clock = _clock(app, reference)
    assert clock.first_response_at is not None and clock.first_response_due_at is None
    assert clock.resolution_due_at is not None
    _assign(app, reference, people.expert, people.admin)
    _move(app, reference, "start", people.expert)
    _move(app, reference, "ask_member", people.expert)
    paused = _clock(app, reference)
    assert paused.paused and paused.resolution_due_at is None
    _move(app, reference, "member_replied", people.member_a)
    resumed = _clock(app, reference)
    assert not resumed.paused and resumed.resolution_due_at >= clock.resolution_due_at
    _move(app, reference, "deliver", people.expert)
    done = _clock(app, reference)
    assert done.resolved_at is not None and done.resolution_due_at is None
    # Reopened: the clock runs again, with the working time already used still counted.
    _move(app, reference, "reopen", people.member_a)
    reopened = _clock(app, reference)
    assert reopened.resolved_at is None and reopened.resolution_due_at is not None
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
        from extranet.servicetargets.tracking import used

        spent = used(req, db.session.get(RequestClock, req.id), req.state_changed_at)[1]
        assert reopened.resolution_due_at == add_working_time(working_calendar(), req.state_changed_at,
                                                              16 * H - spent)


def test_a_live_update_of_the_request_header_keeps_the_clock(app, people, client_for):
    """The live page swaps the header's facts (requests/_live.html): the badge comes back too."""
    _set_it_targets(app, people, client_for)
    reference = _file(app, client_for(app, people.member_a))
    expert = client_for(app, people.expert)
    assert expert.post(f"/requests/{reference}/messages",
                       data={"body": "Bien reçu", "csrf_token": csrf_token(expert, "/requests/")}).status_code == 303
    changed = expert.get(f"/requests/{reference}/live?events=1&messages=0", headers={"HX-Request": "true"})
    assert changed.status_code == 200 and 'id="request-facts" hx-swap-oob="true"' in changed.get_data(as_text=True)
    assert "data-clock=" in changed.get_data(as_text=True)


def test_experts_see_the_badge_and_filter_overdue_members_do_not(app, people, client_for):
    _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    late, fresh = _file(app, member), _file(app, member)
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=late))
        db.session.get(RequestClock, req.id).first_response_due_at = req.created_at - H
        db.session.commit()
    expert = client_for(app, people.expert)
    page = expert.get(f"/requests/{fresh}").get_data(as_text=True)
    assert 'data-clock="ok"' in page and "Response expected by" in page
    assert "Response overdue since" in expert.get(f"/requests/{late}").get_data(as_text=True)
    listing = expert.get("/requests/?overdue=1").get_data(as_text=True)
    assert late in listing and fresh not in listing
    widget = expert.get("/widgets/overdue", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert late in widget and fresh not in widget and "overdue=1" in widget
    assert 'name="overdue"' in expert.get("/requests/").get_data(as_text=True)
    assert "data-clock" not in member.get(f"/requests/{fresh}").get_data(as_text=True)
    assert 'name="overdue"' not in member.get("/requests/").get_data(as_text=True)
    expert.get("/profile")
    with app.app_context():
        db.session.get(User, people.expert.id).locale = "fr_CA"
        db.session.commit()
    french = client_for(app, people.expert).get(f"/requests/{fresh}").get_data(as_text=True)
    assert "Réponse attendue d’ici" in french or "Réponse attendue d'ici" in french


def test_the_worker_warns_the_assignee_then_the_fields_experts_once(app, people, client_for):
    _set_it_targets(app, people, client_for)
    reference = _file(app, client_for(app, people.member_a))
    _assign(app, reference, people.expert, people.admin)
    clock = _clock(app, reference)
    assert _run(app, clock.first_response_warn_at - timedelta(minutes=1)) == 0
    assert _run(app, clock.first_response_warn_at) == 1
    assert _run(app, clock.first_response_warn_at) == 0
    req_id = clock.request_id
    assert _notified(app, "target_at_risk") == [(people.expert.id, req_id)]
    assert _run(app, clock.first_response_due_at) == 1
    assert _notified(app, "target_missed") == [(people.expert.id, req_id)]
    with app.app_context():
        subjects = db.session.scalars(select(OutboxEmail.subject).where(OutboxEmail.to == people.expert.email)).all()
    assert any("80" in s and reference in s for s in subjects)


def test_members_are_reminded_after_3_and_7_working_days_and_delivered_requests_close_after_10(app, people, client_for):
    _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    waiting, delivered = _file(app, member), _file(app, member)
    for reference in (waiting, delivered):
        _assign(app, reference, people.expert, people.admin)
        _move(app, reference, "accept", people.expert)
        _move(app, reference, "start", people.expert)
    _move(app, waiting, "ask_member", people.expert)
    _move(app, delivered, "deliver", people.expert)
    since = load(app, waiting).state_changed_at
    with app.app_context():
        _run(app, _later(app, since, 3 * 8 - 1))
    assert _notified(app, "waiting_reminder") == []
    _run(app, _later(app, since, 3 * 8))
    _run(app, _later(app, since, 3 * 8 + 2))
    waiting_id = _clock(app, waiting).request_id
    assert _notified(app, "waiting_reminder") == [(people.member_a.id, waiting_id)]
    _run(app, _later(app, since, 7 * 8))
    assert len(_notified(app, "waiting_reminder")) == 2
    # Delivered: the member is not nagged, the request closes itself after ten working days.
    delivered_at = load(app, delivered).state_changed_at
    _run(app, _later(app, delivered_at, 10 * 8 - 1))
    assert load(app, delivered).state == "delivered"
    _run(app, _later(app, delivered_at, 10 * 8))
    assert load(app, delivered).state == "closed"
    assert _notified(app, "auto_closed") == [(people.member_a.id, _clock(app, delivered).request_id)]
    with app.app_context():
        bodies = db.session.scalars(select(OutboxEmail.body_text).where(OutboxEmail.to == people.member_a.email)).all()
    assert any(f"/requests/{delivered}" in b and "how satisfied" in b for b in bodies)
    # The survey is there for the requester on the page the e-mail leads to.
    assert 'hx-get="/hours/requests/' in member.get(f"/requests/{delivered}").get_data(as_text=True)


def test_two_workers_at_once_send_each_reminder_once(app, people, client_for):
    _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    references = [_file(app, member) for _ in range(3)]
    for reference in references:
        _assign(app, reference, people.expert, people.admin)
    now = _later(app, load(app, references[0]).created_at, 40)  # every target missed
    results, errors = [], []
    barrier = threading.Barrier(2)

    def work():
        try:
            with app.app_context():
                barrier.wait()
                results.append(run_due(now))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        sent = db.session.execute(select(SentReminder.request_id, SentReminder.kind)).all()
    # Per request: first response and resolution missed, each once in all.
    assert len(sent) == len(set(sent)) == 6 and sum(results) == 6
    assert len(_notified(app, "target_missed")) == 6


def test_admins_edit_the_calendar_and_closed_days(app, people, client_for):
    admin = client_for(app, people.admin)
    page = admin.get("/admin/service-targets").get_data(as_text=True)
    assert "National Patriots" in page and 'value="08:30"' in page
    token = csrf_token(admin, "/admin/service-targets")
    bad = admin.post("/admin/service-targets/calendar", data={
        "csrf_token": token, "weekdays": ["0", "1"], "opens": "17:00", "closes": "09:00", "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "after the opening time" in bad.get_data(as_text=True)
    none = admin.post("/admin/service-targets/calendar", data={
        "csrf_token": token, "opens": "09:00", "closes": "17:00", "timezone": "America/Montreal"})
    assert none.status_code == 422 and "Choose at least one working day." in none.get_data(as_text=True)
    ok = admin.post("/admin/service-targets/calendar", data={
        "csrf_token": token, "weekdays": ["0", "1", "2", "3"], "opens": "09:00", "closes": "17:00",
        "timezone": "America/Toronto"})
    assert ok.status_code == 303
    added = admin.post("/admin/service-targets/closed-days",
                       data={"csrf_token": token, "day": "2026-12-24", "label": "Veille de Noël"})
    assert added.status_code == 303
    page = admin.get("/admin/service-targets").get_data(as_text=True)
    assert "Veille de Noël" in page and "data-confirm=" in page
    with app.app_context():
        calendar = working_calendar()
        assert calendar.weekdays == frozenset({0, 1, 2, 3}) and str(calendar.zone) == "America/Toronto"
        assert not calendar.is_working_day(date(2026, 12, 24))
    removed = admin.post("/admin/service-targets/closed-days/remove", data={"csrf_token": token, "day": "2026-12-24"})
    assert removed.status_code == 303
    assert admin.post("/admin/service-targets/closed-days/remove",
                      data={"csrf_token": token, "day": "2026-12-24"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ClosedDay)) == 0


def test_the_report_counts_targets_met_and_medians_per_field(app, people, client_for):
    admin = _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    answered, ignored = _file(app, member), _file(app, member)
    _move(app, answered, "accept", people.expert)
    # The other one is made late: filed long before its first response was due.
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=ignored))
        req.created_at = req.created_at - timedelta(days=14)
        db.session.commit()
    from extranet.servicetargets.report import service_target_report

    with app.app_context():
        rows = service_target_report(load(app, answered).created_at.year)
    assert [r.field for r in rows] == ["it"]
    response = rows[0].response
    assert (response.counted, response.met) == (2, 1) and response.share_met == 0.5
    assert response.median_hours is not None and response.median_hours < 1
    page = admin.get(f"/reports/service-targets?year={load(app, answered).created_at.year}").get_data(as_text=True)
    assert 'id="service-target-report"' in page and "50.0%" in page
    assert client_for(app, people.expert).get("/reports/service-targets").status_code == 404


def test_working_time_of_the_report_uses_the_calendar(app):
    with app.app_context():
        cal = working_calendar()
    start = add_working_time(cal, _monday(), 0 * H)
    assert working_time(cal, start, start + 3 * H) == 3 * H


def _monday():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("America/Montreal"))


def test_a_pass_sends_at_most_its_batch_and_the_next_goes_on(app, people, client_for):
    _set_it_targets(app, people, client_for)
    member = client_for(app, people.member_a)
    references = [_file(app, member) for _ in range(2)]
    now = _later(app, load(app, references[0]).created_at, 40)
    with app.app_context():
        assert [run_due(now, batch=3), run_due(now, batch=3), run_due(now, batch=3)] == [3, 1, 0]


def test_a_request_s_clock_across_a_pause_a_weekend_holidays_and_a_closed_day(app, people, client_for):
    """One request's clock, as the requests' service keeps it from its history: filed on the
    Thursday before Easter 2026 at 15:00, answered at 15:30, waiting on the member from 16:00
    until Saturday 11:00. Good Friday falls in the pause; the weekend, Easter Monday (a holiday)
    and Tuesday (a day the cooperative is closed) come after it: the clock resumes on Wednesday."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from extranet.servicetargets import calendar, tracking

    mtl = ZoneInfo("America/Montreal")

    def at(day, hour, minute=0):
        return datetime(2026, 4, day, hour, minute, tzinfo=mtl)

    _set_it_targets(app, people, client_for)  # 2 h to a first answer, 16 h to resolution
    reference = _file(app, client_for(app, people.member_a))
    _assign(app, reference, people.expert, people.admin)
    for slug, person in (("accept", people.expert), ("start", people.expert), ("ask_member", people.expert),
                         ("member_replied", people.member_a)):
        _move(app, reference, slug, person)

    def replayed(closed=()):
        """The clock as the history says, the history set to the days above."""
        with app.app_context():
            db.session.execute(ClosedDay.__table__.delete())
            db.session.add_all(ClosedDay(day=day, label="Fermé") for day in closed)
            req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
            req.created_at = at(2, 15)
            moves = [e for e in req.events if e.kind == "transition"]
            for event, when in zip(moves, (at(2, 15, 30), at(2, 15, 45), at(2, 16), at(4, 11)), strict=True):
                event.at = when
            req.state_changed_at = at(4, 11)
            clock = db.session.get(RequestClock, req.id)
            clock.first_response_at = at(2, 15, 30)
            calendar.forget()
            tracking.refresh(req, clock)
            response, resolution = tracking.used(req, clock, at(8, 12))
            db.session.commit()
            return clock.resolution_due_at, clock.paused, response, resolution

    due, paused, response, resolution = replayed(closed=[date(2026, 4, 7)])
    assert not paused
    assert response == 0.5 * H  # Thursday 15:00 → 15:30
    # 1 h on Thursday before the pause, then Wednesday 8:30 → 12:00.
    assert resolution == 4.5 * H
    # 15 h left on Wednesday morning: 8 h on Wednesday, 7 h on Thursday.
    assert due.astimezone(mtl) == at(9, 15, 30)
    # Open on Tuesday, the same request is due a working day sooner.
    due, *_ = replayed()
    assert due.astimezone(mtl) == at(8, 15, 30)


def test_a_corrected_priority_takes_that_priority_s_targets(app, people, client_for):
    """An expert who corrects a request's priority changes its targets: the clock takes the new
    priority's minutes, and the due time follows when it was the clock's."""
    from extranet.requests.corrections import change_schedule, local_day

    admin = _set_it_targets(app, people, client_for)
    assert _targets(admin, support_ticket__normal__first="2", support_ticket__normal__resolution="16",
                    support_ticket__urgent__first="1", support_ticket__urgent__resolution="8").status_code == 303
    reference = _file(app, client_for(app, people.member_a))
    assert _clock(app, reference).first_response_minutes == 120
    with app.app_context():
        req = db.session.scalar(select(ServiceRequest).filter_by(reference=reference))
        assert change_schedule(req, "urgent", local_day(req.due_at), "Paie bloquée", db.session.get(User, people.expert.id))
        db.session.commit()
    clock, req = _clock(app, reference), load(app, reference)
    assert (clock.first_response_minutes, clock.resolution_minutes) == (60, 480)
    assert clock.first_response_due_at == _later(app, req.created_at, 1) == req.due_at
    assert clock.resolution_due_at == _later(app, req.created_at, 8)


def test_open_requests_deadlines_follow_a_closed_day_and_the_calendar(app, people, client_for):
    """Deadlines are working time: a day the cooperative closes, or a calendar changed, moves
    the deadlines of the requests still open (and the due date that was the clock's)."""
    from zoneinfo import ZoneInfo

    admin = _set_it_targets(app, people, client_for)
    reference = _file(app, client_for(app, people.member_a))
    before = _clock(app, reference)
    token = csrf_token(admin, "/admin/service-targets")
    day = before.resolution_due_at.astimezone(ZoneInfo("America/Montreal")).date()
    assert admin.post("/admin/service-targets/closed-days",
                      data={"csrf_token": token, "day": day.isoformat(), "label": "Fermé"}).status_code == 303
    clock, req = _clock(app, reference), load(app, reference)
    assert clock.resolution_due_at > before.resolution_due_at
    assert clock.resolution_due_at == _later(app, req.created_at, 16)
    assert req.due_at == clock.first_response_due_at == _later(app, req.created_at, 2)

    assert admin.post("/admin/service-targets/closed-days/remove",
                      data={"csrf_token": token, "day": day.isoformat()}).status_code == 303
    assert _clock(app, reference).resolution_due_at == before.resolution_due_at

    assert admin.post("/admin/service-targets/calendar", data={
        "csrf_token": token, "weekdays": ["0", "1", "2", "3", "4"], "opens": "08:30", "closes": "12:30",
        "timezone": "America/Montreal"}).status_code == 303
    clock, req = _clock(app, reference), load(app, reference)
    assert clock.resolution_due_at > before.resolution_due_at
    assert clock.resolution_due_at == _later(app, req.created_at, 16)
