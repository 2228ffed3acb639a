import { FieldValue } from "firebase-admin/firestore";
import { liveDoc } from "../../data/live";
import { queueTagSets } from "../../data/queueTagSets";
import { tagSetKey, tagsOfKey } from "./model";

/** Tag sets this process has already recorded, per queue: the record only grows, so a hit is final. */
const recorded = new Set<string>();

/**
 * Records a job's tag set in its queue's summary before the job is written (a failed write
 * leaves an unused set, never a hidden job). One write per new set per process; untagged jobs
 * need none.
 */
export async function recordTagSet(queue: string, tags: readonly string[]): Promise<void> {
  const key = tagSetKey(tags);
  if (key === "" || recorded.has(`${queue}\u0000${key}`)) return;
  await queueTagSets(queue).set(
    {
      queue,
      tagSets: FieldValue.arrayUnion(key) as unknown as string[],
      updatedAt: FieldValue.serverTimestamp() as never,
    },
    { merge: true },
  );
  recorded.add(`${queue}\u0000${key}`);
}

/**
 * The tag sets of `queue` a runner carrying `tags` may take: the untagged set, plus each
 * recorded set whose every tag it carries, from the queue's summary as this process's listener
 * holds it (`liveDoc`: no read per claim). A runner without tags needs nothing.
 */
export async function eligibleTagSets(queue: string, tags: readonly string[] | undefined): Promise<string[]> {
  if (tags === undefined || tags.length === 0) return [""];
  return eligibleOf((await liveDoc(queueTagSets(queue))).data()?.tagSets ?? [], tags);
}

/** Of a queue's recorded tag sets, the untagged set and those whose every tag a runner carrying `tags` has. */
export function eligibleOf(recordedSets: readonly string[], tags: readonly string[]): string[] {
  return ["", ...recordedSets.filter((key) => tagsOfKey(key).every((tag) => tags.includes(tag))).sort()];
}

/** Whether a runner carrying `runnerTags` may take a job tagged `jobTags`: it carries every one. */
export function carriesTags(runnerTags: readonly string[] | undefined, jobTags: readonly string[]): boolean {
  if (jobTags.length === 0) return true;
  if (runnerTags === undefined) return false;
  return jobTags.every((tag) => runnerTags.includes(tag));
}
