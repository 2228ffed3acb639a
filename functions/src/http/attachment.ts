import type { Response } from "express";

/**
 * Sends runner-supplied bytes as a download: an attachment, never sniffed, under a sandbox CSP,
 * so an HTML or SVG file opened from this origin cannot run script or reach the caller's session.
 */
export function sendAttachment(
  res: Response,
  file: { bytes: Buffer; contentType: string; fileName: string; etag?: string },
): void {
  res.setHeader("content-type", file.contentType);
  res.setHeader("content-length", String(file.bytes.length));
  res.setHeader("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(file.fileName)}`);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("content-security-policy", "sandbox");
  if (file.etag !== undefined) res.setHeader("etag", `"${file.etag}"`);
  res.setHeader("cache-control", "private, max-age=3600");
  res.status(200).end(file.bytes);
}
