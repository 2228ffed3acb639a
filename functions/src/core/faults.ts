import { FieldValue } from "firebase-admin/firestore";
import { db } from "../data/firestore";

/**
 * Crash-consistency testing: at a named point between steps of a multi-step write, the process
 * dies as if killed. Only when the environment says `RUNNERPLANE_FAULTS=enabled` (the integration
 * test stack); anywhere else this returns at once without touching Firestore. A test arms a point
 * by writing `_faults/{name}` with `remaining: n`; each crash uses one.
 */
export async function faultPoint(name: string): Promise<void> {
  if (process.env.RUNNERPLANE_FAULTS !== "enabled") return;
  const ref = db().collection("_faults").doc(name);
  const fire = await db().runTransaction(async (tx) => {
    const remaining = (await tx.get(ref)).get("remaining") as unknown;
    if (typeof remaining !== "number" || remaining <= 0) return false;
    tx.update(ref, { remaining: FieldValue.increment(-1) });
    return true;
  });
  // SIGKILL-like: no cleanup, no response, no finally blocks.
  if (fire) process.kill(process.pid, "SIGKILL");
}
