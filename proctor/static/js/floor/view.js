// The seats as the invigilator should see them: the server's state plus the writes still
// waiting on this tablet (marked pending), so nothing recorded offline seems to vanish.
import { boot } from "./common.js";

const clone = (value) => JSON.parse(JSON.stringify(value));

export function viewOf(store) {
  const seats = clone(store.server?.seats ?? []);
  const log = clone(store.server?.log ?? []);
  const byTicket = new Map(seats.map((seat) => [seat.ticket_no, seat]));
  for (const item of store.pending) {
    const apply = OVERLAY[item.kind];
    if (apply) apply(item, { seats, byTicket, log });
  }
  return { seats, log, bySeat: new Map(seats.map((s) => [s.seat_no, s])), byTicket };
}

const OVERLAY = {
  attendance(item, { byTicket }) {
    const seat = byTicket.get(item.ticket_no);
    if (!seat) return;
    const subject = item.body.subject;
    const before = seat.attendance[subject]?.identity ?? null;
    const given = item.body.identity;
    const identity = given ? {
      id_card: given.id_card, photo: given.photo ?? before?.photo ?? null,
      checkin_photo: given.checkin_photo_id && given.checkin_photo_id !== before?.checkin_photo?.id
        ? { id: given.checkin_photo_id, faces: null, registration_faces: null }
        : before?.checkin_photo ?? null } : before;
    seat.attendance[subject] = { status: item.body.status, id_checked: item.body.id_checked,
                                 identity, pending: true };
  },
  warning(item, { byTicket }) {
    const seat = byTicket.get(item.body.ticket_no);
    if (!seat || seat.warnings.some((w) => w.client_id === item.client_id)) return;
    seat.warnings.push({ id: null, client_id: item.client_id, rule_code: item.body.rule_code,
                         subject: item.body.subject, outcome: "pending", pending: true,
                         observed_at: item.body.observed_at });
  },
  outcome(item, { byTicket }) {
    const seat = byTicket.get(item.ticket_no);
    const warning = seat?.warnings.find((w) => (item.warning_id && w.id === item.warning_id)
                                        || (item.ref && w.client_id === item.ref));
    if (warning) {
      warning.outcome = item.body.outcome;
      warning.pending = true;
    }
    if (seat && item.body.outcome === "refused") {
      seat.incidents.push({ id: null, rule_code: warning?.rule_code ?? "", tier: 1,
                            status: "reported", pending: true, role: "principal" });
    }
  },
  incident(item, { byTicket }) {
    for (const party of item.body.parties) {
      const seat = byTicket.get(party.ticket_no);
      if (!seat) continue;
      const rule = boot.rules.find((r) => r.code === item.body.rule_code);
      seat.incidents.push({ id: null, client_id: item.client_id, rule_code: item.body.rule_code,
                            tier: rule?.tier ?? 0, observed_at: item.body.observed_at,
                            status: "reported", pending: true, role: party.role });
    }
  },
  seat(item, { seats, byTicket }) {
    const mover = byTicket.get(item.ticket_no);
    if (!mover || item.body.room_id !== boot.room.id) return;
    const holder = seats.find((s) => s.seat_no === item.body.seat_no && s !== mover);
    if (holder) holder.seat_no = mover.seat_no;
    mover.seat_no = item.body.seat_no;
    mover.pending = true;
  },
  movement(item, { byTicket }) {
    const seat = byTicket.get(item.body.ticket_no);
    if (!seat) return;
    seat.movements ??= [];
    if (seat.movements.some((m) => m.client_id === item.client_id)) return;
    const staff = (boot.escorts ?? []).find((s) => s.username === item.body.escort_username);
    seat.movements.push({ id: null, client_id: item.client_id, kind: item.body.kind,
                          reason: item.body.reason, observed_at: item.body.observed_at,
                          escort: staff?.name ?? item.body.escort ?? null, pending: true });
  },
  log(item, { log }) {
    log.unshift({ id: null, kind: item.body.kind, note: item.body.note,
                  subject: item.body.subject, observed_at: item.body.observed_at,
                  pending: true });
  },
};

export function attendanceOf(seat, subject) {
  return seat.attendance?.[subject] ?? null;
}
