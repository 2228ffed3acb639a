// One error type for everything the emulator refuses: a gRPC status code and a message, mapped
// unchanged onto the wire by service.ts.

import { status, type StatusObject } from "@grpc/grpc-js";

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

export const invalidArgument = (message: string): RpcError => new RpcError(status.INVALID_ARGUMENT, message);
export const aborted = (message: string): RpcError => new RpcError(status.ABORTED, message);

/** Turns anything thrown by a handler into a gRPC status; unexpected errors are logged. */
export function toStatus(err: unknown): Pick<StatusObject, "code" | "details"> {
  if (err instanceof RpcError) return { code: err.code, details: err.message };
  console.error("firestore-offline: unexpected error", err);
  return { code: status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}
