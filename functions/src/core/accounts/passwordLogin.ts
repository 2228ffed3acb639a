import { createHash } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { WEB_API_KEY } from "../../config/params";
import { db } from "../../data/firestore";
import { loginAttempts } from "../../data/teams";
import { assert, ServiceUnavailable, TooManyRequests, Unauthenticated } from "../../http/errors";

/** Failed logins counted per window before further attempts are refused (429). */
export const MAX_FAILED_LOGINS_PER_EMAIL = 5;
export const MAX_FAILED_LOGINS_PER_CALLER = 20;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** How long we wait for Firebase Auth. */
const AUTH_TIMEOUT_MS = 10_000;

const badLogin = () => new Unauthenticated("INVALID_LOGIN", "Wrong email or password.");

/** Firebase Auth's REST base: the Auth emulator when the runtime names one, Google otherwise. */
function authUrl(service: "identitytoolkit" | "securetoken", path: string): string {
  const emulator = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  const host =
    emulator !== undefined && emulator !== ""
      ? `http://${emulator}/${service}.googleapis.com`
      : `https://${service}.googleapis.com`;
  const key = WEB_API_KEY.value() || "emulator";
  return `${host}${path}?key=${encodeURIComponent(key)}`;
}

/** Rate-limit keys: hashed, so no email address becomes a document id. */
function limitKeys(email: string, caller: string) {
  const hash = (s: string) => createHash("sha256").update(s, "utf8").digest("hex").slice(0, 40);
  return [
    { ref: loginAttempts().doc(`email_${hash(email.toLowerCase())}`), max: MAX_FAILED_LOGINS_PER_EMAIL },
    { ref: loginAttempts().doc(`caller_${hash(caller)}`), max: MAX_FAILED_LOGINS_PER_CALLER },
  ];
}

/**
 * Password sign-in through Firebase Auth. Wrong password and unknown email are the same 401;
 * failures are counted per email and per caller, and past the limit the caller gets 429 without
 * Firebase Auth being asked.
 */
export async function passwordLogin(email: string, password: string, caller: string, now: Date) {
  const keys = limitKeys(email, caller);
  const counts = await db().getAll(...keys.map((k) => k.ref));
  counts.forEach((snap, i) => {
    const doc = snap.data() as { failures: number; windowStart: Timestamp } | undefined;
    const live = doc !== undefined && now.getTime() - doc.windowStart.toMillis() < LOGIN_WINDOW_MS;
    assert(
      !live || doc.failures < (keys[i]?.max ?? 0),
      new TooManyRequests(
        "Too many failed logins; try again later.",
        Math.max(
          1,
          Math.ceil((LOGIN_WINDOW_MS - (now.getTime() - (doc?.windowStart.toMillis() ?? now.getTime()))) / 1000),
        ),
      ),
    );
  });
  const answer = await postAuth<{ idToken: string; refreshToken: string; expiresIn: string; localId: string }>(
    authUrl("identitytoolkit", "/v1/accounts:signInWithPassword"),
    { "content-type": "application/json" },
    JSON.stringify({ email, password, returnSecureToken: true }),
  );
  if (answer === null) {
    await countFailure(keys, now);
    throw badLogin();
  }
  return {
    idToken: answer.idToken,
    refreshToken: answer.refreshToken,
    expiresIn: Number(answer.expiresIn),
    uid: answer.localId,
  };
}

/** A fresh ID token for a refresh token; an invalid or revoked one is 401. */
export async function refreshLogin(refreshToken: string) {
  const answer = await postAuth<{ id_token: string; refresh_token: string; expires_in: string; user_id: string }>(
    authUrl("securetoken", "/v1/token"),
    { "content-type": "application/x-www-form-urlencoded" },
    new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  );
  assert(answer !== null, new Unauthenticated("INVALID_REFRESH_TOKEN", "The refresh token is invalid or revoked."));
  return {
    idToken: answer.id_token,
    refreshToken: answer.refresh_token,
    expiresIn: Number(answer.expires_in),
    uid: answer.user_id,
  };
}

/** Firebase Auth's answer, or null when it refused the credentials (4xx); 503 when it is unreachable. */
async function postAuth<T>(url: string, headers: Record<string, string>, body: string): Promise<T | null> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(AUTH_TIMEOUT_MS) });
  } catch {
    throw new ServiceUnavailable("Sign-in is unavailable right now; retry in a moment.");
  }
  if (response.status >= 400 && response.status < 500) return null;
  if (!response.ok) throw new ServiceUnavailable("Sign-in is unavailable right now; retry in a moment.");
  return (await response.json()) as T;
}

/** One more failure in each counter's window (a new window once the old one is over). */
async function countFailure(keys: ReturnType<typeof limitKeys>, now: Date): Promise<void> {
  await db().runTransaction(async (tx) => {
    const snaps = await Promise.all(keys.map((k) => tx.get(k.ref)));
    snaps.forEach((snap, i) => {
      const ref = keys[i]?.ref;
      if (ref === undefined) return;
      const doc = snap.data();
      const live = doc !== undefined && now.getTime() - doc.windowStart.toMillis() < LOGIN_WINDOW_MS;
      tx.set(
        ref,
        live
          ? { failures: doc.failures + 1, windowStart: doc.windowStart }
          : { failures: 1, windowStart: Timestamp.fromDate(now) },
      );
    });
  });
}
