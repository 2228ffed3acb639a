import busboy from "busboy";
import type { Request } from "firebase-functions/v2/https";
import type { Upload } from "../../core/code/uploadVersion";
import { MAX_BUNDLE_BYTES, MAX_DESCRIPTION_CHARS } from "../../core/code/model";
import { InvalidArgument, PayloadTooLarge, UnsupportedMediaType, type ApiError } from "../../http/errors";

/** The two parts seed 000 names; anything else is refused by name. */
const FILE_FIELD = "file";
const DESCRIPTION_FIELD = "Description";
/** Bytes busboy keeps of a text field: enough for the longest description in any UTF-8. */
const MAX_FIELD_BYTES = MAX_DESCRIPTION_CHARS * 4;

/**
 * Seed 000's upload: `Description` (text) and `file` (the ZIP). Cloud Functions hands us the body
 * already read (`req.rawBody`), so busboy is fed that buffer rather than the request stream.
 */
export function parseUpload(req: Pick<Request, "headers" | "rawBody">): Promise<Upload> {
  const contentType = req.headers["content-type"];
  if (typeof contentType !== "string" || !/^multipart\/form-data\s*;/i.test(contentType)) {
    return Promise.reject(new UnsupportedMediaType("multipart/form-data with a Description field and a file field"));
  }
  const raw = req.rawBody;
  if (raw === undefined || raw.length === 0) return Promise.reject(missingFile());
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // A part past these limits raises filesLimit/fieldsLimit, which we refuse by name.
        limits: { fileSize: MAX_BUNDLE_BYTES, files: 1, fields: 1, fieldSize: MAX_FIELD_BYTES },
      });
    } catch {
      reject(new InvalidArgument("MALFORMED_MULTIPART", "The multipart body has no usable boundary."));
      return;
    }
    let failure: ApiError | null = null;
    const fail = (error: ApiError) => {
      failure ??= error;
    };
    let description = "";
    let sawFile = false;
    const chunks: Buffer[] = [];

    parser.on("file", (name, stream) => {
      if (name !== FILE_FIELD || sawFile) {
        fail(
          new InvalidArgument(
            "UNEXPECTED_PART",
            `Send one ZIP in the multipart field "${FILE_FIELD}" (got a file in "${name}").`,
          ),
        );
        stream.resume();
        return;
      }
      sawFile = true;
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => fail(new PayloadTooLarge(MAX_BUNDLE_BYTES)));
    });
    parser.on("field", (name, value, info) => {
      if (name === FILE_FIELD) {
        fail(
          new InvalidArgument("FILE_NOT_A_FILE", `Send "${FILE_FIELD}" as a file part (with a filename), not as text.`),
        );
        return;
      }
      if (name !== DESCRIPTION_FIELD) {
        fail(
          new InvalidArgument(
            "UNEXPECTED_PART",
            `Unknown multipart field "${name}"; send "${DESCRIPTION_FIELD}" and "${FILE_FIELD}".`,
          ),
        );
        return;
      }
      if (info.valueTruncated || value.trim().length > MAX_DESCRIPTION_CHARS) {
        fail(
          new InvalidArgument(
            "DESCRIPTION_TOO_LONG",
            `Description must be at most ${MAX_DESCRIPTION_CHARS} characters.`,
          ),
        );
        return;
      }
      description = value.trim();
    });
    const tooManyParts = () =>
      fail(new InvalidArgument("TOO_MANY_PARTS", `Send only "${DESCRIPTION_FIELD}" and one "${FILE_FIELD}".`));
    parser.on("filesLimit", tooManyParts);
    parser.on("fieldsLimit", tooManyParts);
    parser.on("error", () =>
      reject(failure ?? new InvalidArgument("MALFORMED_MULTIPART", "The multipart body is malformed.")),
    );
    parser.on("close", () => {
      if (failure !== null) return reject(failure);
      const bytes = Buffer.concat(chunks);
      if (!sawFile || bytes.length === 0) return reject(missingFile());
      resolve({ description, bytes });
    });
    parser.end(raw);
  });
}

function missingFile(): ApiError {
  return new InvalidArgument(
    "MISSING_FILE",
    `Send the code as a non-empty ZIP in the multipart field "${FILE_FIELD}".`,
  );
}
