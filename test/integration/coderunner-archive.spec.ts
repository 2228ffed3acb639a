import assert from "node:assert/strict";
import {
  assertRefused,
  createDefinition,
  multipart,
  cp,
  upload,
  writeZip,
  NODE_HELLO,
  type VersionView,
  type ZipEntryInput,
} from "../harness/coderunner";
import { newTenant, type Tenant } from "../harness/controlPlane";
import { adminDb, STACK_LOG } from "../harness/stack";

/** Server-side caps (functions/src/core/code/model.ts). */
const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;
const MAX_ARCHIVE_ENTRIES = 2_000;

async function versionDoc(id: string) {
  return (await adminDb().collection("versions").doc(id).get()).data();
}

/** Uploads `bytes` and expects the archive check to refuse it: 201, then Failed (4) with `pattern`. */
async function expectFailed(tenant: Tenant, bytes: Buffer, pattern: RegExp, languageType = 1): Promise<VersionView> {
  const definitionId = await createDefinition(tenant, { languageType });
  const response = await upload(tenant, `/api/file/${definitionId}/upload`, bytes);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const version = response.body.data;
  assert.equal(version.status, 4, JSON.stringify(version));
  assert.equal(version.statusName, "Failed");
  assert.match(version.failureReason ?? "", pattern);
  assert.match(response.body.message, /archive was refused/);
  assert.deepEqual(
    version.transitions.map((t) => t.status),
    [1, 2, 4],
  );
  const stored = await versionDoc(version.versionId);
  assert.equal(stored?.status, 4);
  assert.equal(stored?.failureReason, version.failureReason);
  assert.equal(stored?.entryPoint, null);
  assert.equal(stored?.processingDeadline, null);
  // And a Failed version cannot be deployed.
  const deploy = await cp(tenant, "POST", "/api/deployment/create", {
    body: { DefinitionId: definitionId, VersionId: version.versionId },
  });
  assertRefused(deploy, 409, "VERSION_NOT_READY");
  return version;
}

const withIndex = (entries: ZipEntryInput[]) => [{ name: "index.js", data: "module.exports = () => 1;" }, ...entries];

describe("Coderunner archive checks (seed 000 upload)", () => {
  let tenant: Tenant;
  beforeEach(async () => {
    tenant = await newTenant();
  });

  it("refuses a zip bomb by its declared size before inflating it", async function () {
    this.timeout(60_000);
    const bomb = writeZip(withIndex([{ name: "zeros.bin", data: Buffer.alloc(MAX_UNCOMPRESSED_BYTES + 1) }]));
    assert.ok(bomb.length < MAX_BUNDLE_BYTES / 10, "the bomb is a small upload");
    await expectFailed(tenant, bomb, /would inflate to \d+ bytes; the limit is 67108864 \(zip bomb\?\)/);
  });

  it("refuses a zip bomb that lies about its size, cutting inflation off", async function () {
    this.timeout(60_000);
    const liar = writeZip(withIndex([{ name: "small.txt", data: Buffer.alloc(20 * 1024 * 1024), declaredSize: 100 }]));
    await expectFailed(tenant, liar, /small\.txt: inflates past its declared 100 bytes \(zip bomb\?\)/);
  });

  it("refuses more entries than the cap", async function () {
    this.timeout(60_000);
    const many = writeZip(
      withIndex(
        Array.from({ length: MAX_ARCHIVE_ENTRIES }, (_, i) => ({
          name: `f/${i}.txt`,
          data: "",
          method: "store" as const,
        })),
      ),
    );
    await expectFailed(tenant, many, /2001 entries; the limit is 2000/);
  });

  it("refuses a .. traversal", async () => {
    await expectFailed(
      tenant,
      writeZip(withIndex([{ name: "lib/../../../etc/cron.d/evil", data: "x" }])),
      /may not contain "\.\."/,
    );
  });

  it("refuses an absolute path", async () => {
    await expectFailed(
      tenant,
      writeZip(withIndex([{ name: "/etc/passwd", data: "x" }])),
      /absolute paths are not allowed/,
    );
  });

  it("refuses a symlink", async () => {
    await expectFailed(
      tenant,
      writeZip(withIndex([{ name: "secrets", data: "/etc/shadow", unixMode: 0o120777 }])),
      /symbolic links are not allowed/,
    );
  });

  it("refuses a file that is not a ZIP", async () => {
    await expectFailed(tenant, Buffer.from("#!/bin/sh\necho this is not a zip\n"), /not a ZIP archive/);
  });

  it("refuses an archive with no entry point for its language", async () => {
    await expectFailed(
      tenant,
      writeZip([{ name: "app.py", data: "print(1)" }]),
      /No entry point: put main\.py or __main__\.py/,
      2,
    );
    await expectFailed(tenant, writeZip([{ name: "script.csx", data: "1" }]), /No entry point: put main\.csx/, 3);
    await expectFailed(
      tenant,
      writeZip([
        { name: "package.json", data: '{"main":"dist/app.js"}' },
        { name: "index.js", data: "1" },
      ]),
      /"main": "dist\/app\.js"/,
    );
  });

  it("accepts each language's entry point", async function () {
    this.timeout(60_000);
    for (const [languageType, entries, entryPoint] of [
      [1, NODE_HELLO, "src/handler.js"],
      [1, [{ name: "main.js", data: "1" }], "main.js"],
      [2, [{ name: "__main__.py", data: "print(1)" }], "__main__.py"],
      [3, [{ name: "main.csx", data: "1" }], "main.csx"],
    ] as const) {
      const definitionId = await createDefinition(tenant, { languageType });
      const response = await upload(tenant, `/api/file/${definitionId}/upload`, writeZip([...entries]));
      assert.equal(response.body.data.status, 3, JSON.stringify(response.body));
      assert.equal(response.body.data.entryPoint, entryPoint);
    }
  });

  it("answers 413 for a file over the cap and stores nothing", async function () {
    this.timeout(60_000);
    const definitionId = await createDefinition(tenant);
    const big = writeZip([
      { name: "index.js", data: "1" },
      { name: "blob.bin", data: Buffer.alloc(MAX_BUNDLE_BYTES + 1024), method: "store" },
    ]);
    assert.ok(big.length > MAX_BUNDLE_BYTES && big.length < 10_000_000, "over our cap, under the emulator's");
    const response = await upload(tenant, `/api/file/${definitionId}/upload`, big);
    assertRefused(response, 413, "PAYLOAD_TOO_LARGE");
    assert.equal((await adminDb().collection("versions").get()).size, 0);
    assert.equal((await adminDb().collection("blobs").get()).size, 0);
    assert.equal((await adminDb().collection("definitions").doc(definitionId).get()).get("versionCount"), 0);
  });

  it("refuses a multipart body without a file, or not multipart at all, and stores nothing", async () => {
    const definitionId = await createDefinition(tenant);
    const noFile = multipart({ description: "just words" });
    assertRefused(
      await cp(tenant, "POST", `/api/file/${definitionId}/upload`, {
        rawBody: noFile.body,
        headers: { "content-type": noFile.contentType },
      }),
      400,
      "MISSING_FILE",
    );
    const wrongField = multipart({ file: writeZip(NODE_HELLO), fileField: "zip" });
    assertRefused(
      await cp(tenant, "POST", `/api/file/${definitionId}/upload`, {
        rawBody: wrongField.body,
        headers: { "content-type": wrongField.contentType },
      }),
      400,
      "UNEXPECTED_PART",
    );
    assertRefused(
      await cp(tenant, "POST", `/api/file/${definitionId}/upload`, { body: { file: "UEsDBA==" } }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    assertRefused(
      await upload(tenant, "/api/file/no-such-definition/upload", writeZip(NODE_HELLO)),
      404,
      "DEFINITION_NOT_FOUND",
    );
    assert.equal((await adminDb().collection("versions").get()).size, 0);
  });

  describe("recovery after a crash mid-check", () => {
    async function crashedVersion(attempts: number, deadlineOffsetMs: number) {
      const definitionId = await createDefinition(tenant);
      const response = await upload(tenant, `/api/file/${definitionId}/upload`, writeZip(NODE_HELLO));
      const versionId = response.body.data.versionId;
      // Put it back where a crashed check would leave it: Processing, under a dead claim.
      await adminDb()
        .collection("versions")
        .doc(versionId)
        .update({
          status: 2,
          entryPoint: null,
          fileCount: null,
          uncompressedBytes: null,
          processingToken: "dead-claim",
          processingAttempts: attempts,
          processingDeadline: new Date(Date.now() + deadlineOffsetMs),
          transitions: [
            { status: 1, at: new Date(), reason: null },
            { status: 2, at: new Date(), reason: null },
          ],
        });
      return versionId;
    }

    it("re-checks a version whose Processing deadline lapsed; leaves a live one alone", async function () {
      this.timeout(60_000);
      const lapsed = await crashedVersion(1, -1_000);
      const live = await crashedVersion(1, 60_000);
      await STACK_LOG.fireScheduled("recoverCodeVersions");
      const recovered = await cp<VersionView>(tenant, "GET", `/api/version/${lapsed}`);
      assert.equal(recovered.body.data.status, 3, JSON.stringify(recovered.body));
      assert.equal(recovered.body.data.entryPoint, "src/handler.js");
      assert.deepEqual(
        recovered.body.data.transitions.map((t) => t.status),
        [1, 2, 2, 3],
      );
      assert.match(recovered.body.data.transitions[2]?.reason ?? "", /did not finish; checking again/);
      const stored = await versionDoc(lapsed);
      assert.equal(stored?.processingAttempts, 2);
      assert.equal(stored?.processingDeadline, null);
      assert.equal((await versionDoc(live))?.status, 2, "a check still within its deadline is not taken over");
      assert.equal((await versionDoc(live))?.processingToken, "dead-claim");
    });

    it("fails a version whose check keeps crashing, with the reason", async function () {
      this.timeout(60_000);
      const versionId = await crashedVersion(3, -1_000);
      await Promise.all([
        STACK_LOG.fireScheduled("recoverCodeVersions"),
        STACK_LOG.fireScheduled("recoverCodeVersions"),
      ]);
      const stored = await versionDoc(versionId);
      assert.equal(stored?.status, 4);
      assert.match(String(stored?.failureReason), /interrupted 3 times; upload the code again/);
      assert.equal(stored?.processingDeadline, null);
      assert.deepEqual(
        (stored?.transitions as { status: number }[]).map((t) => t.status),
        [1, 2, 4],
        "two sweeps at once record one verdict",
      );
    });
  });
});
