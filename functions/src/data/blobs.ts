/** How a document refers to bytes kept in the blob store (core/blobs): by content. */
export interface BlobRef {
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
  contentType: string;
}
