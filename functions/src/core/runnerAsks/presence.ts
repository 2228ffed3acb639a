import { Timestamp } from "firebase-admin/firestore";
import { offerTags } from "../../../../contract/src/capabilities";
import { presentOffering, runnerPresence } from "../../data/runnerAsks";

/**
 * Writes of one runner's presence this long apart at most (per instance), unless its offer
 * changes: a runner polling or heartbeating every second costs one write per PRESENCE_WRITE_MS.
 * Must stay well under RUNNER_PRESENCE_MS, or a busy runner would flicker offline.
 */
export const PRESENCE_WRITE_MS = 15_000;
/** Instances remember this many runners' last writes (a bounded map; the oldest go first). */
const MAX_REMEMBERED = 5_000;

export interface RunnerOffer {
  capabilities?: readonly string[];
  plugins?: readonly string[];
}

const lastWritten = new Map<string, { at: number; offer: string }>();

/**
 * Records that the runner is online with this offer, at most once per PRESENCE_WRITE_MS (`force`:
 * now, as a registration does: it may follow a `forgetPresence` in another instance). A runner
 * that sends no offer at all is left alone (an older runner: it answers nothing).
 */
export async function notePresence(
  teamId: string,
  runnerId: string,
  offer: RunnerOffer,
  now: Date,
  options: { force?: boolean } = {},
): Promise<void> {
  if (offer.capabilities === undefined && offer.plugins === undefined) return;
  const capabilities = [...(offer.capabilities ?? [])].sort();
  const plugins = [...(offer.plugins ?? [])].sort();
  const key = `${teamId}\u0000${runnerId}`;
  const signature = JSON.stringify([capabilities, plugins]);
  const last = lastWritten.get(key);
  if (
    options.force !== true &&
    last !== undefined &&
    last.offer === signature &&
    now.getTime() - last.at < PRESENCE_WRITE_MS
  )
    return;
  await runnerPresence(teamId)
    .doc(runnerId)
    .set({
      runnerId,
      offers: offerTags({ capabilities, plugins }),
      capabilities,
      plugins,
      lastSeenAt: Timestamp.fromDate(now),
    });
  lastWritten.delete(key);
  lastWritten.set(key, { at: now.getTime(), offer: signature });
  if (lastWritten.size > MAX_REMEMBERED) {
    const oldest = lastWritten.keys().next().value;
    if (oldest !== undefined) lastWritten.delete(oldest);
  }
}

/**
 * The runner has gone (a fleet runner deregistered or said it is going offline): it answers
 * nothing from now on, so the routes a runner answers stop counting it at once instead of after
 * RUNNER_PRESENCE_MS. Its next registration, lease or heartbeat with an offer brings it back.
 */
export async function forgetPresence(teamId: string, runnerId: string): Promise<void> {
  lastWritten.delete(`${teamId}\u0000${runnerId}`);
  await runnerPresence(teamId).doc(runnerId).delete();
}

/** Whether a runner of the team offering `offer` (a routing tag) was seen within `onlineMs`: one indexed read. */
export async function isOffered(teamId: string, offer: string, onlineMs: number, now: Date): Promise<boolean> {
  const since = Timestamp.fromMillis(now.getTime() - onlineMs);
  const snap = await presentOffering(teamId, offer, since, 1).get();
  return !snap.empty;
}
