/**
 * The Control Plane credentials a person entered on the Code page. They live in sessionStorage
 * only: gone when the tab closes, never in localStorage (which outlives the session and every
 * tab shares), never logged. Signing out of the Studio forgets them too.
 */
import type { ControlPlaneCredentials } from "./api";

const KEY = "runnerplane.controlPlane";

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled (privacy settings); the page then asks again after a reload.
    return null;
  }
}

export function loadControlPlane(): ControlPlaneCredentials | null {
  const raw = storage()?.getItem(KEY);
  if (raw === null || raw === undefined) return null;
  try {
    const value = JSON.parse(raw) as Partial<ControlPlaneCredentials>;
    if (typeof value.token === "string" && typeof value.clientKey === "string" && typeof value.userId === "string") {
      return { token: value.token, clientKey: value.clientKey, userId: value.userId };
    }
  } catch {
    // Not ours, or damaged: forget it below.
  }
  forgetControlPlane();
  return null;
}

export function saveControlPlane(credentials: ControlPlaneCredentials): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(credentials));
  } catch {
    // Quota or a disabled store: the page keeps working for this view, and asks again after a reload.
  }
}

export function forgetControlPlane(): void {
  storage()?.removeItem(KEY);
}
