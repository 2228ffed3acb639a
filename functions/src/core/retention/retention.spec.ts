import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { finalFields, pendingFields } from "../jobs/model";
import { expireAtFrom } from "./retention";

const DAY_MS = 24 * 60 * 60 * 1000;

describe("retention", () => {
  afterEach(() => {
    delete process.env.RETENTION_DAYS;
  });

  it("a finished job expires RETENTION_DAYS (default 30) after it ends; queued again, it does not expire", () => {
    const now = Timestamp.fromMillis(Date.UTC(2026, 0, 1));
    assert.equal(finalFields("SUCCEEDED", now).expireAt.toMillis(), now.toMillis() + 30 * DAY_MS);
    assert.equal(pendingFields({ queue: "generic/user:u", tags: [] }, "j1", now).expireAt, null);
  });

  it("follows the param", () => {
    process.env.RETENTION_DAYS = "7";
    const from = Timestamp.fromMillis(0);
    assert.equal(expireAtFrom(from).toMillis(), 7 * DAY_MS);
  });
});
