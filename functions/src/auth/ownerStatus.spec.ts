import assert from "node:assert/strict";
import { OwnerStatusCache } from "./ownerStatus";

describe("owner status cache", () => {
  function setup(ttlMs: number) {
    const status = new Map<string, boolean>([["alice", true]]);
    let lookups = 0;
    let failNext = false;
    const cache = new OwnerStatusCache(
      (uid) => {
        lookups += 1;
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("auth down"));
        }
        return Promise.resolve(status.get(uid) ?? false);
      },
      () => ttlMs,
    );
    return { cache, status, lookups: () => lookups, failOnce: () => (failNext = true) };
  }

  it("looks up once per owner per period, then again: a disabled owner is seen within the period", async () => {
    const { cache, status, lookups } = setup(10_000);
    assert.equal(await cache.isActive("alice", 0), true);
    status.set("alice", false);
    assert.equal(await cache.isActive("alice", 9_999), true, "still the answer from t=0");
    assert.equal(lookups(), 1);
    assert.equal(await cache.isActive("alice", 10_000), false);
    assert.equal(lookups(), 2);
  });

  it("concurrent calls share one lookup; unknown (deleted) owners are inactive", async () => {
    const { cache, lookups } = setup(10_000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => cache.isActive("bob", 5)));
    assert.deepEqual(new Set(answers), new Set([false]));
    assert.equal(lookups(), 1);
  });

  it("a period of 1 ms looks on every call", async () => {
    const { cache, status } = setup(1);
    assert.equal(await cache.isActive("alice", 0), true);
    status.set("alice", false);
    assert.equal(await cache.isActive("alice", 1), false);
  });

  it("does not remember a failed lookup", async () => {
    const { cache, failOnce, lookups } = setup(10_000);
    failOnce();
    await assert.rejects(cache.isActive("alice", 0));
    await new Promise((r) => setImmediate(r));
    assert.equal(await cache.isActive("alice", 1), true);
    assert.equal(lookups(), 2);
  });
});
