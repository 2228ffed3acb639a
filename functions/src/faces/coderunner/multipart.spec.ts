import assert from "node:assert/strict";
import { MAX_BUNDLE_BYTES } from "../../core/code/model";
import { ApiError } from "../../http/errors";
import { parseUpload } from "./multipart";

const BOUNDARY = "----rp-test-boundary";

function body(parts: { name: string; value: string | Buffer; filename?: string }[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    const type = part.filename === undefined ? "" : "Content-Type: application/zip\r\n";
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      Buffer.from(part.value),
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function request(raw: Buffer, contentType = `multipart/form-data; boundary=${BOUNDARY}`) {
  return { headers: { "content-type": contentType }, rawBody: raw };
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return error;
  }
  assert.fail("expected a refusal");
}

describe("parseUpload (seed 000 multipart)", () => {
  it("reads Description and the file bytes", async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x05, 0x06, 1, 2, 3]);
    const upload = await parseUpload(
      request(
        body([
          { name: "Description", value: " first cut " },
          { name: "file", value: zip, filename: "code.zip" },
        ]),
      ),
    );
    assert.equal(upload.description, "first cut");
    assert.deepEqual(upload.bytes, zip);
  });

  it("refuses a file over the cap with 413", async () => {
    const error = await refusal(
      parseUpload(request(body([{ name: "file", value: Buffer.alloc(MAX_BUNDLE_BYTES + 1), filename: "big.zip" }]))),
    );
    assert.equal(error.status, 413);
  });

  it("refuses a missing or empty file, unknown parts and a long description with 400", async () => {
    assert.equal(
      (await refusal(parseUpload(request(body([{ name: "Description", value: "x" }]))))).reason,
      "MISSING_FILE",
    );
    assert.equal(
      (await refusal(parseUpload(request(body([{ name: "file", value: "", filename: "a.zip" }]))))).reason,
      "MISSING_FILE",
    );
    assert.equal(
      (await refusal(parseUpload(request(body([{ name: "zip", value: "x", filename: "a.zip" }]))))).reason,
      "UNEXPECTED_PART",
    );
    assert.equal(
      (
        await refusal(
          parseUpload(
            request(
              body([
                { name: "other", value: "x" },
                { name: "file", value: "x", filename: "a.zip" },
              ]),
            ),
          ),
        )
      ).status,
      400,
    );
    const long = await refusal(
      parseUpload(
        request(
          body([
            { name: "Description", value: "d".repeat(5000) },
            { name: "file", value: "x", filename: "a.zip" },
          ]),
        ),
      ),
    );
    assert.equal(long.reason, "DESCRIPTION_TOO_LONG");
  });

  it("refuses two files or two descriptions", async () => {
    const files = await refusal(
      parseUpload(
        request(
          body([
            { name: "file", value: "a", filename: "a.zip" },
            { name: "file", value: "b", filename: "b.zip" },
          ]),
        ),
      ),
    );
    assert.equal(files.reason, "TOO_MANY_PARTS");
    const fields = await refusal(
      parseUpload(
        request(
          body([
            { name: "Description", value: "a" },
            { name: "Description", value: "b" },
            { name: "file", value: "x", filename: "a.zip" },
          ]),
        ),
      ),
    );
    assert.equal(fields.reason, "TOO_MANY_PARTS");
  });

  it("refuses JSON with 415 and a body without the boundary with 400", async () => {
    assert.equal((await refusal(parseUpload(request(Buffer.from("{}"), "application/json")))).status, 415);
    assert.equal(
      (await refusal(parseUpload(request(Buffer.from("junk"), "multipart/form-data; charset=utf-8")))).status,
      400,
    );
    assert.equal((await refusal(parseUpload(request(Buffer.from("not multipart at all"))))).status, 400);
  });
});
