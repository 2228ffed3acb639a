/** The TypeScript client for every face's runner side, one module per face over one HTTP layer. */
export { HttpClient, RunnerApiError, InvalidRequestError, type HttpClientOptions, type RetryMode } from "./http";
export { DEFAULT_RETRY, backoffDelay, type RetryPolicy } from "./backoff";
export * from "./jobs";
export * from "./fleet";
export * from "./coderunner";
export * from "./workspace";
