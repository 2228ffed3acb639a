import busboy from "busboy";
import type { Request } from "firebase-functions/v2/https";
import type { ArtifactUpload } from "../../core/jobsApi/uploadArtifact";
import { InvalidArgument, PayloadTooLarge } from "../../http/errors";
import { artifactName } from "./schemas";

export { artifactName, MAX_ARTIFACT_NAME_CHARS } from "./schemas";

/** Multipart parts and fields beside the file: a named allowance over the artifact cap. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** `type/subtype` with optional parameters: what may safely go back out as a Content-Type header. */
const CONTENT_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;\s*[\w!#$&^.+-]+=("[^"\r\n]*"|[\w!#$&^.+-]+))*$/;
const MAX_CONTENT_TYPE_CHARS = 200;

/**
 * Reads the uploaded artifact from the request: a raw body (its Content-Type is the artifact's;
 * the name comes from `?name=` or `X-Artifact-Name`), or `multipart/form-data` with one file part
 * (the name from a `name` field, else the part's filename).
 */
export async function readUpload(
  req: Request,
  nameHint: string | undefined,
  maxBytes: number,
): Promise<ArtifactUpload> {
  const type = req.headers["content-type"] ?? DEFAULT_CONTENT_TYPE;
  if (/^multipart\/form-data/i.test(type)) {
    const { file, fields } = await parseMultipart(req, maxBytes);
    if (file === null) throw new InvalidArgument("MISSING_FILE", "The multipart body has no file part.");
    return {
      name: checkedName(fields.name ?? nameHint ?? file.filename),
      contentType: checkedType(file.mimeType),
      bytes: file.bytes,
    };
  }
  const bytes = req.rawBody ?? Buffer.alloc(0);
  if (bytes.length > maxBytes) throw new PayloadTooLarge(maxBytes);
  return { name: checkedName(nameHint), contentType: checkedType(type), bytes };
}

function checkedName(name: string | undefined): string {
  const parsed = artifactName.safeParse(name);
  if (!parsed.success) {
    throw new InvalidArgument(
      "INVALID_ARTIFACT_NAME",
      "Name the artifact (?name=, X-Artifact-Name or a multipart name field) as a relative path.",
      {
        issues: parsed.error.issues.map((i) => i.message),
      },
    );
  }
  return parsed.data;
}

function checkedType(type: string): string {
  const trimmed = type.trim();
  if (trimmed.length > MAX_CONTENT_TYPE_CHARS || !CONTENT_TYPE.test(trimmed)) {
    throw new InvalidArgument("INVALID_CONTENT_TYPE", "The artifact's content type is not a valid media type.");
  }
  return trimmed;
}

interface Multipart {
  file: { bytes: Buffer; filename: string | undefined; mimeType: string } | null;
  fields: Record<string, string>;
}

function parseMultipart(req: Request, maxBytes: number): Promise<Multipart> {
  return new Promise((resolve, reject) => {
    const malformed = () => new InvalidArgument("MALFORMED_MULTIPART", "The multipart body could not be read.");
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 4096 } });
    } catch {
      reject(malformed());
      return;
    }
    const fields: Record<string, string> = {};
    let file: Multipart["file"] = null;
    let tooLarge = false;
    let tooManyFiles = false;
    parser.on("file", (_field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => {
        tooLarge = true;
      });
      stream.on("end", () => {
        file = { bytes: Buffer.concat(chunks), filename: info.filename, mimeType: info.mimeType };
      });
    });
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("filesLimit", () => {
      tooManyFiles = true;
    });
    parser.on("error", () => reject(malformed()));
    parser.on("close", () => {
      if (tooLarge) reject(new PayloadTooLarge(maxBytes));
      else if (tooManyFiles) reject(new InvalidArgument("TOO_MANY_FILES", "Upload one file per request."));
      else resolve({ file, fields });
    });
    parser.end(req.rawBody ?? Buffer.alloc(0));
  });
}
