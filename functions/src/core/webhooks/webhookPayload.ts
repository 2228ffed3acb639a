import type { WebhookPayload } from "../../../../contract/src/jobs";
import { blobStore, type BlobRef } from "../blobs/blobStore";

/**
 * What a runner leasing a webhook job receives. The job stores the body as a blob reference
 * (a 1 MiB body would not fit a Firestore document beside the job's fields); the lease answer
 * carries the bytes themselves, base64.
 */
export async function webhookPayloadOf(stored: Record<string, unknown>): Promise<WebhookPayload> {
  const ref = stored.rawBody as BlobRef | null | undefined;
  const bytes = ref?.sha256 === undefined ? null : await blobStore().get(ref);
  return {
    pluginId: typeof stored.pluginId === "string" ? stored.pluginId : "",
    deliveryId: typeof stored.deliveryId === "string" ? stored.deliveryId : null,
    headers: (stored.headers ?? {}) as Record<string, string>,
    rawBody: bytes === null ? null : bytes.toString("base64"),
  };
}
