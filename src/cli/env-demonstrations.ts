import { collectTrajectories } from '../env/agent/demonstrations.ts';
import { createExpertPolicy } from '../env/household/expert.ts';
import { HouseholdEnvironment } from '../env/household/household-environment.ts';
import type { Trajectory } from '../env/policy.ts';

/** Seeds of the demonstration pool: far from the evaluation seeds people pick (0, 1, 2…), so no task is shown its own solution. */
const POOL_FIRST_SEED = 1_000_000;
/** Expert episodes per task family in the pool; selection then picks the nearest of these. */
const POOL_PER_FAMILY = 8;

/**
 * The household expert's trajectories, a few per task family, for k-NN demonstration selection.
 * Generated on the spot (48 short episodes take a few milliseconds) rather than shipped as data.
 */
export async function collectExpertDemonstrations({ stepLimit }: { stepLimit?: number | undefined }): Promise<Trajectory[]> {
  const environment = new HouseholdEnvironment(stepLimit === undefined ? {} : { maxSteps: stepLimit });
  try {
    const resets = HouseholdEnvironment.taskTypes().flatMap((type) =>
      Array.from({ length: POOL_PER_FAMILY }, (_, index) => ({ taskId: `${type}/${POOL_FIRST_SEED + index}` })),
    );
    return await collectTrajectories({ environment, policyFor: () => createExpertPolicy(environment), resets });
  } finally {
    await environment.close();
  }
}
