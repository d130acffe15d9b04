// The identity check on the candidate's card (人证核验): the registration photo large; once a
// photo is taken at the door, both faces cropped to one size side by side. The detector only
// says "no face found" or "more than one face": the invigilator decides (match, mismatch,
// unsure), and a mismatch offers the impersonation report (T3.4).
import { apiUrl } from "../lib/api.js";
import { el, fmt } from "../lib/dom.js";
import { T, isoWithOffset, newClientId, sid, toast } from "./common.js";
import { sendNow } from "./sync.js";

const doorPhotos = new Map();  // ticket → the answer for the photo taken on this tablet

const ticketPath = (ticket) => `/sittings/${sid}/candidates/${encodeURIComponent(ticket)}`;
export const photoUrl = (ticket, variant) => apiUrl(`${ticketPath(ticket)}/photo?variant=${variant}`);
const doorUrl = (ticket, id, variant) =>
  apiUrl(`${ticketPath(ticket)}/checkin-photos/${id}?variant=${variant}`);

function doorPhoto(seat, mark) {
  const here = doorPhotos.get(seat.ticket_no);
  if (here && (!mark?.identity?.checkin_photo || mark.identity.checkin_photo.id <= here.id)) {
    return { id: here.id, faces: here.checkin.faces,
             registration_faces: here.registration ? here.registration.faces : null };
  }
  return mark?.identity?.checkin_photo ?? null;
}

const faceNote = (faces) => (faces === 0 ? T.no_face : faces > 1 ? T.many_faces : null);

// A face crop fills its frame; a whole picture (no single face in it) is shown uncut.
function picture(src, caption, note, kind, face = false) {
  return el(`figure.id-photo.${kind}`, {},
    el(`img${face ? ".face" : ".whole"}`, { src, alt: caption }),
    el("figcaption", {}, caption, note ? el("span.face-note", {}, note) : null));
}

function photos(seat, door) {
  const pair = [];
  if (!seat.photo) {
    pair.push(el("figure.id-photo.registration.none", {}, el("p.muted", {}, T.no_registration_photo),
                 el("figcaption", {}, T.registration_photo)));
  } else if (door && door.registration_faces === 1) {
    pair.push(picture(photoUrl(seat.ticket_no, "face"), T.registration_photo, null, "registration",
                      true));
  } else {
    pair.push(picture(photoUrl(seat.ticket_no, "display"), T.registration_photo,
                      door ? faceNote(door.registration_faces) : null, "registration"));
  }
  if (door) {
    pair.push(picture(doorUrl(seat.ticket_no, door.id, door.faces === 1 ? "face" : "display"),
                      T.checkin_photo, faceNote(door.faces), "checkin", door.faces === 1));
  }
  return el(`div.photo-pair${door ? ".compare" : ""}`, {}, pair);
}

// `record(identity)` records the check-in with {photo?, checkin_photo_id?}; `report(seat)`
// opens the incident form for T3.4.
export function identitySection(seat, mark, record, report) {
  const door = doorPhoto(seat, mark);
  const verdict = mark?.identity?.photo ?? null;
  const input = el("input", { type: "file", accept: "image/*", capture: "user", hidden: true,
                              onchange: () => {
                                const file = input.files[0];
                                input.value = "";
                                if (file) upload(seat, file, record);
                              } });
  const choose = (photo) => record({ photo, checkin_photo_id: door ? door.id : null });
  return el("section.identity-check", {},
    el("h3", {}, T.identity_check),
    photos(seat, door),
    el("div.button-row", {},
       el("button.button.big", { type: "button", dataset: { action: "checkin-photo" },
                                 onclick: () => input.click() }, T.take_checkin_photo)),
    input,
    el("div.button-row.verdict", {}, ["match", "mismatch", "unsure"].map((photo) =>
      el(`button.button.big.photo-${photo}`, {
        type: "button", "aria-pressed": String(verdict === photo), dataset: { photo },
        onclick: () => choose(photo) }, T[`photo_${photo}`]))),
    verdict === "mismatch"
      ? el("button.button.danger.big", { type: "button", dataset: { action: "report-impostor" },
                                         onclick: () => report(seat) }, T.report_impostor)
      : null);
}

// The photo needs the network (the faces are found on the server); the check-in that names it
// goes through the outbox like any other.
async function upload(seat, file, record) {
  const clientId = newClientId();
  try {
    const answer = await sendNow({
      method: "POST", url: apiUrl(`${ticketPath(seat.ticket_no)}/checkin-photos`),
      filename: file.name || "checkin.jpg",
      form: { client_id: clientId, taken_at: isoWithOffset(), file } });
    doorPhotos.set(seat.ticket_no, answer);
    record({ checkin_photo_id: answer.id });
  } catch (error) {
    toast(fmt(T.rejected, { message: error.message }), "error");
  }
}

// Once the T3.4 incident is saved: both pictures become its evidence (hashed, audited).
export async function attachIdentityPhotos(incidentId, ticket) {
  await sendNow({ method: "POST", url: apiUrl(`/incidents/${incidentId}/evidence/identity`),
                  body: { ticket_no: ticket } });
}
