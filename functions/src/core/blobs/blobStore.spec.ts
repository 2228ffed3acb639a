import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { blobBackend } from "./blobStore";

describe("blob backend", () => {
  it("is Cloud Storage in production and the chunk store when asked", () => {
    assert.equal(blobBackend("storage", {}), "storage");
    assert.equal(blobBackend("firestore", { FIREBASE_STORAGE_EMULATOR_HOST: "127.0.0.1:9199" }), "firestore");
  });

  it("follows the emulator suite when local: the Storage emulator if it runs, else the chunk store", () => {
    assert.equal(blobBackend("local", {}), "firestore");
    assert.equal(blobBackend("local", { FIREBASE_STORAGE_EMULATOR_HOST: "127.0.0.1:9199" }), "storage");
  });

  it("is local for the demo project, from the committed functions env file", () => {
    const env = readFileSync(join(__dirname, "..", "..", "..", ".env.demo-runnerplane"), "utf8");
    assert.match(env, /^BLOB_STORE=local$/m);
  });
});
