import { RunnerUnavailable, type ApiError } from "./errors";

/**
 * A face is one seed's API. Each has its own error envelope; success bodies are shaped by the
 * endpoints themselves (some faces wrap them, see `wrapSuccess`).
 */
export type Face = "workspace" | "coderunner" | "jobs" | "runnersRead" | "fleet" | "platform";

/** The error body each face answers with. */
export function errorBody(face: Face, error: ApiError): unknown {
  switch (face) {
    case "workspace":
      // spec/workspace-runner-api.md: { error: <reason>, detail? }
      return error.detail === undefined
        ? { error: error.reason, message: error.message }
        : { error: error.reason, message: error.message, detail: error.detail };
    case "coderunner":
      // seed 000: { success, message, data }
      return { success: false, message: error.message, data: null, reason: error.reason, ...detailOf(error) };
    case "fleet":
      // seed 004 wraps bodies in `data`; errors stand beside it.
      return { data: null, error: error.message, reason: error.reason, ...detailOf(error) };
    case "jobs":
      // Seed 002's runner-answered routes name why in `reason` (`{ reason: "no-llm" }`).
      return {
        error: error.reason,
        message: error.message,
        ...detailOf(error),
        ...(error instanceof RunnerUnavailable ? error.fields : {}),
      };
    case "runnersRead":
    case "platform":
      return { error: error.reason, message: error.message, ...detailOf(error) };
  }
}

/** Success bodies: the Coderunner and fleet faces wrap their payload; the others send it as is. */
export function wrapSuccess(face: Face, body: unknown, message?: string): unknown {
  switch (face) {
    case "coderunner":
      return { success: true, message: message ?? "OK", data: body };
    case "fleet":
      return { data: body };
    default:
      return body;
  }
}

function detailOf(error: ApiError): { detail?: unknown } {
  return error.detail === undefined ? {} : { detail: error.detail };
}
