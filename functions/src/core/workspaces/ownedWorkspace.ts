import type { DocumentSnapshot } from "firebase-admin/firestore";
import { workspaces, type WorkspaceDoc } from "../../data/workspaces";
import { assert, NotFound } from "../../http/errors";

/** The caller's workspace, or 404 (also for someone else's: ids are not confirmed). */
export async function ownedWorkspace(
  teamId: string,
  workspaceId: string,
): Promise<{ snap: DocumentSnapshot<WorkspaceDoc>; doc: WorkspaceDoc }> {
  const snap = await workspaces().doc(workspaceId).get();
  const doc = snap.data();
  assert(doc !== undefined && doc.teamId === teamId, new NotFound("WORKSPACE_NOT_FOUND", "No such workspace."));
  return { snap, doc };
}
