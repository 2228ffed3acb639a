import assert from "node:assert/strict";
import { inspectArchive, type ArchiveLimits } from "./archive";
import { LANGUAGE_TYPES, type LanguageType } from "./code";
import { writeZip, type ZipEntryInput } from "./zipWriter";

const NODE = LANGUAGE_TYPES.NodeJS;
const PYTHON = LANGUAGE_TYPES.Python;
const CSX = LANGUAGE_TYPES.DotNetScript;
const SMALL: ArchiveLimits = { maxEntries: 10, maxUncompressedBytes: 10_000 };

function accepted(entries: ZipEntryInput[], language: LanguageType = NODE, limits?: ArchiveLimits) {
  const verdict = inspectArchive(writeZip(entries), language, limits);
  assert.ok(verdict.ok, verdict.ok ? "" : verdict.reason);
  return verdict;
}

function refused(bytes: Buffer, pattern: RegExp, language: LanguageType = NODE, limits?: ArchiveLimits): void {
  const verdict = inspectArchive(bytes, language, limits);
  assert.ok(!verdict.ok, "expected a refusal");
  assert.match(verdict.reason, pattern);
}

describe("inspectArchive (seed 000 uploads)", () => {
  describe("entry points", () => {
    it("finds index.js, then main.js, for NodeJS", () => {
      assert.equal(
        accepted([
          { name: "index.js", data: "1" },
          { name: "main.js", data: "2" },
        ]).entryPoint,
        "index.js",
      );
      assert.equal(
        accepted([
          { name: "lib/", data: "" },
          { name: "main.js", data: "2" },
        ]).entryPoint,
        "main.js",
      );
    });

    it("follows package.json main the way Node resolves it", () => {
      const pkg = (main: string) => ({ name: "package.json", data: JSON.stringify({ main }) });
      assert.equal(
        accepted([pkg("./src/app.js"), { name: "src/app.js", data: "x" }, { name: "index.js", data: "y" }]).entryPoint,
        "src/app.js",
      );
      assert.equal(accepted([pkg("src/app"), { name: "src/app.js", data: "x" }]).entryPoint, "src/app.js");
      assert.equal(accepted([pkg("lib"), { name: "lib/index.js", data: "x" }]).entryPoint, "lib/index.js");
    });

    it("refuses a package.json main that is missing, even when index.js exists", () => {
      refused(
        writeZip([
          { name: "package.json", data: '{"main":"gone.js"}' },
          { name: "index.js", data: "x" },
        ]),
        /"main": "gone.js"/,
      );
      refused(
        writeZip([
          { name: "package.json", data: '{"main":"../x.js"}' },
          { name: "index.js", data: "x" },
        ]),
        /not in the archive/,
      );
      refused(
        writeZip([
          { name: "package.json", data: "{nope" },
          { name: "index.js", data: "x" },
        ]),
        /not valid JSON/,
      );
    });

    it("uses main.py or __main__.py for Python and main.csx for DotNetScript", () => {
      assert.equal(accepted([{ name: "__main__.py", data: "print(1)" }], PYTHON).entryPoint, "__main__.py");
      assert.equal(
        accepted(
          [
            { name: "main.py", data: "a" },
            { name: "__main__.py", data: "b" },
          ],
          PYTHON,
        ).entryPoint,
        "main.py",
      );
      assert.equal(accepted([{ name: "main.csx", data: "x" }], CSX).entryPoint, "main.csx");
    });

    it("refuses an archive whose language has no entry point at the root", () => {
      refused(writeZip([{ name: "index.js", data: "x" }]), /No entry point: put main\.py or __main__\.py/, PYTHON);
      refused(writeZip([{ name: "app/main.csx", data: "x" }]), /No entry point/, CSX);
      refused(writeZip([{ name: "readme.md", data: "x" }]), /index\.js or main\.js, or package\.json/);
    });

    it("reports file count (folders excluded) and inflated bytes", () => {
      const verdict = accepted([
        { name: "lib/" },
        { name: "lib/a.js", data: "aaaa" },
        { name: "index.js", data: "bb", method: "store" },
      ]);
      assert.deepEqual(verdict, { ok: true, entryPoint: "index.js", fileCount: 2, uncompressedBytes: 6 });
    });
  });

  describe("not a ZIP", () => {
    it("refuses text, truncated archives and stray signatures", () => {
      refused(Buffer.from("hello, I am not a zip file at all"), /not a ZIP/);
      refused(Buffer.alloc(0), /not a ZIP/);
      const zip = writeZip([{ name: "index.js", data: "x" }]);
      refused(zip.subarray(0, zip.length - 5), /not a ZIP/);
      refused(Buffer.concat([zip, Buffer.from("trailing")]), /not a ZIP/);
    });

    it("refuses an empty archive", () => {
      refused(writeZip([]), /empty/);
    });

    it("refuses a corrupted data stream and a bad checksum", () => {
      const zip = writeZip([{ name: "index.js", data: "console.log('hello world, hello world')" }]);
      const flipped = Buffer.from(zip);
      const at = 30 + "index.js".length + 2;
      flipped.writeUInt8((flipped.readUInt8(at) ^ 0xff) & 0xff, at);
      const verdict = inspectArchive(flipped, NODE);
      assert.ok(!verdict.ok);
      assert.match(verdict.reason, /corrupt|checksum|size does not match/);
    });
  });

  describe("paths", () => {
    for (const [name, pattern] of [
      ["../evil.js", /may not contain "\.\."/],
      ["lib/../../evil.js", /may not contain "\.\."/],
      ["/etc/passwd", /absolute paths/],
      ["C:/Windows/evil.js", /absolute paths/],
      ["lib\\..\\evil.js", /backslashes/],
      ["lib//a.js", /empty or "\." segments/],
      ["./index.js", /empty or "\." segments/],
      ["bad\u0001name.js", /control characters/],
      [`${"a/".repeat(300)}x.js`, /longer than/],
    ] as const) {
      it(`refuses ${JSON.stringify(name.slice(0, 30))}`, () => {
        refused(
          writeZip([
            { name: "index.js", data: "x" },
            { name, data: "x" },
          ]),
          pattern,
        );
      });
    }

    it("refuses symlinks and other special files", () => {
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "link", data: "/etc/passwd", unixMode: 0o120777 },
        ]),
        /symbolic links/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "fifo", unixMode: 0o010644 },
        ]),
        /regular files/,
      );
    });

    it("refuses the same path twice, case-folded", () => {
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "INDEX.js", data: "y" },
        ]),
        /twice/,
      );
    });

    it("refuses names that one file system or another makes the same: NFC/NFD twins, trailing dots and spaces", () => {
      const nfc = "caf\u00e9.js";
      const nfd = "cafe\u0301.js";
      assert.notEqual(nfc, nfd);
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: nfc, data: "1" },
          { name: nfd, data: "2" },
        ]),
        /twice/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "index.js.", data: "y" },
        ]),
        /twice/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "index.js ", data: "y" },
        ]),
        /twice/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "lib. /a.js", data: "1" },
          { name: "lib/a.js", data: "2" },
        ]),
        /twice/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "... /a.js", data: "1" },
        ]),
        /only dots and spaces/,
      );
      accepted([
        { name: "index.js", data: "x" },
        { name: nfc, data: "1" },
        { name: "index.js.map", data: "y" },
      ]);
    });

    it("refuses a file and a folder of one name", () => {
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "a", data: "file" },
          { name: "a/b.js", data: "y" },
        ]),
        /a file and a folder/,
      );
      refused(
        writeZip([
          { name: "index.js", data: "x" },
          { name: "a/b.js", data: "y" },
          { name: "A", data: "file" },
        ]),
        /a file and a folder/,
      );
      refused(
        writeZip([{ name: "index.js", data: "x" }, { name: "a/" }, { name: "a.", data: "file" }]),
        /a file and a folder/,
      );
      accepted([{ name: "index.js", data: "x" }, { name: "a/" }, { name: "a/b.js", data: "y" }]);
    });

    it("refuses a local name that differs from the central one", () => {
      const zip = writeZip([{ name: "index.js", data: "x" }]);
      const tampered = Buffer.from(zip);
      tampered.write("indey.js", 30, "utf8");
      refused(tampered, /local and central names differ/);
    });
  });

  describe("caps", () => {
    it("accepts exactly the entry cap and refuses one more", () => {
      const entries = (n: number) => [
        { name: "index.js", data: "x" },
        ...Array.from({ length: n - 1 }, (_, i) => ({ name: `f${i}.js`, data: "x" })),
      ];
      accepted(entries(SMALL.maxEntries), NODE, SMALL);
      refused(writeZip(entries(SMALL.maxEntries + 1)), /11 entries; the limit is 10/, NODE, SMALL);
    });

    it("accepts exactly the uncompressed cap and refuses a byte more (declared sizes)", () => {
      accepted([{ name: "index.js", data: Buffer.alloc(SMALL.maxUncompressedBytes) }], NODE, SMALL);
      refused(
        writeZip([{ name: "index.js", data: Buffer.alloc(SMALL.maxUncompressedBytes + 1) }]),
        /zip bomb/,
        NODE,
        SMALL,
      );
    });

    it("refuses a zip bomb that lies about its size, cutting inflation off at the declared size", () => {
      const bomb = writeZip([
        { name: "index.js", data: "x" },
        { name: "big.bin", data: Buffer.alloc(5_000_000), declaredSize: 10 },
      ]);
      assert.ok(bomb.length < 10_000, "the bomb itself is small");
      refused(bomb, /big\.bin: inflates past its declared 10 bytes/);
    });

    it("sums declared sizes over every entry", () => {
      const entries = [
        { name: "index.js", data: "x" },
        ...Array.from({ length: 5 }, (_, i) => ({ name: `b${i}`, data: Buffer.alloc(2_000) })),
      ];
      refused(writeZip(entries), /inflate to 10001 bytes; the limit is 10000/, NODE, SMALL);
    });

    it("refuses entries that share compressed data (overlap bombs)", () => {
      // index.js stores, as its data, a complete local entry for b.js; b.js's central record
      // then points inside index.js's data, so the two ranges overlap.
      const innerEntry = writeZip([{ name: "b.js", data: "y", method: "store" }]).subarray(0, 30 + "b.js".length + 1);
      const zip = writeZip([
        { name: "index.js", data: innerEntry, method: "store" },
        { name: "b.js", data: "y", method: "store" },
      ]);
      const centralOffset = zip.readUInt32LE(zip.length - 6);
      const second = centralOffset + 46 + "index.js".length;
      const tampered = Buffer.from(zip);
      tampered.writeUInt32LE(30 + "index.js".length, second + 42);
      refused(tampered, /b\.js: entries overlap/);
    });

    it("refuses encrypted entries and unknown compression methods", () => {
      const zip = writeZip([{ name: "index.js", data: "x" }]);
      const centralOffset = zip.readUInt32LE(zip.length - 6);
      const encrypted = Buffer.from(zip);
      encrypted.writeUInt16LE(0x801, centralOffset + 8);
      refused(encrypted, /encrypted/);
      const bzip = Buffer.from(zip);
      bzip.writeUInt16LE(12, centralOffset + 10);
      refused(bzip, /compression method 12/);
    });
  });
});
