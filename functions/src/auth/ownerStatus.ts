import { getAuth } from "firebase-admin/auth";
import { intParam, OWNER_STATUS_CACHE_MS } from "../config/params";
import { adminApp } from "../data/firestore";
import { ServiceUnavailable } from "../http/errors";

/** Whether the Firebase user who owns a key may still act through it: false once disabled or deleted. */
export type OwnerLookup = (uid: string) => Promise<boolean>;

/** One Auth lookup: deleted (not found) and disabled users are inactive; an Auth outage is 503. */
export const lookUpOwner: OwnerLookup = async (uid) => {
  try {
    return !(await getAuth(adminApp()).getUser(uid)).disabled;
  } catch (error) {
    if ((error as { code?: unknown }).code === "auth/user-not-found") return false;
    throw new ServiceUnavailable("Could not check the key owner's account; retry in a moment. Nothing was changed.");
  }
};

interface Entry {
  active: Promise<boolean>;
  at: number;
}

/**
 * Key calls check their owner's Auth account, which costs an Auth lookup; this keeps each answer
 * for `OWNER_STATUS_CACHE_MS` per instance (concurrent calls share one lookup), so a busy runner
 * costs one lookup per owner per period, and a disabled or deleted owner's keys stop working
 * within that period (on the next call where the instance has no fresh answer).
 */
export class OwnerStatusCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly lookup: OwnerLookup,
    private readonly ttlMs: () => number,
  ) {}

  isActive(uid: string, nowMs: number): Promise<boolean> {
    const cached = this.entries.get(uid);
    if (cached !== undefined && nowMs - cached.at < this.ttlMs()) return cached.active;
    const active = this.lookup(uid);
    this.entries.set(uid, { active, at: nowMs });
    // A failed lookup is not remembered: the next call asks again.
    active.catch(() => this.entries.delete(uid));
    return active;
  }
}

export const ownerStatus = new OwnerStatusCache(lookUpOwner, () => intParam(OWNER_STATUS_CACHE_MS, 10_000));
