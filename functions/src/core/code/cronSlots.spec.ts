import assert from "node:assert/strict";
import { CATCH_UP_WINDOW_MS, firstSlotAfter, planSlots } from "./cronSlots";

const at = (iso: string) => new Date(iso);
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());

describe("cron slots", () => {
  it("plans the slots after the last fired one up to now, inclusive of now", () => {
    const plan = planSlots("*/5 * * * *", at("2025-01-01T00:05:00Z"), at("2025-01-01T00:15:00Z"));
    assert.deepEqual(isos(plan.slots), ["2025-01-01T00:10:00.000Z", "2025-01-01T00:15:00.000Z"]);
    assert.equal(plan.next.toISOString(), "2025-01-01T00:20:00.000Z");
    assert.equal(plan.skippedOlder, false);
  });

  it("plans nothing before the next slot, and says when that is", () => {
    const plan = planSlots("0 * * * *", at("2025-01-01T00:00:00Z"), at("2025-01-01T00:59:59Z"));
    assert.deepEqual(plan.slots, []);
    assert.equal(plan.next.toISOString(), "2025-01-01T01:00:00.000Z");
  });

  it("drops slots older than the catch-up window after an outage", () => {
    const now = at("2025-01-01T12:00:30Z");
    const plan = planSlots("* * * * *", at("2025-01-01T00:00:00Z"), now);
    assert.equal(plan.slots.length, CATCH_UP_WINDOW_MS / 60_000);
    assert.equal(plan.slots.at(-1)?.toISOString(), "2025-01-01T12:00:00.000Z");
    assert.ok(plan.slots.every((s) => s.getTime() > now.getTime() - CATCH_UP_WINDOW_MS));
    assert.equal(plan.skippedOlder, true);
  });

  it("finds the first slot strictly after a moment", () => {
    assert.equal(firstSlotAfter("*/5 * * * *", at("2025-01-01T00:05:00Z")).toISOString(), "2025-01-01T00:10:00.000Z");
    assert.equal(firstSlotAfter("*/5 * * * *", at("2025-01-01T00:04:59Z")).toISOString(), "2025-01-01T00:05:00.000Z");
  });
});
