/**
 * firebase-functions-test in offline mode (mock project config, no credentials). Its own module,
 * imported before the functions, because it must set the project config before they load.
 */
import functionsTest from "firebase-functions-test";

export const fft = functionsTest();
