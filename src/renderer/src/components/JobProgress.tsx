import { useJobs } from '../store/jobsStore';
import { fmtInt, fmtPct } from './format';

/**
 * Feature recompute and training progress, from the engine's events. Renders a fixed-height
 * strip (empty when idle) so the page does not jump when work starts or ends.
 */
export function JobProgress({ idle }: { idle?: string }) {
  const features = useJobs((s) => s.features);
  const training = useJobs((s) => s.training);
  return (
    <div className="jobs" role="status" aria-live="polite">
      {features ? (
        <div className="job">
          <span>
            Recomputing features: {fmtInt(features.done)} / {fmtInt(features.total)}
          </span>
          <progress max={Math.max(1, features.total)} value={features.done} aria-label="Feature recompute progress" />
        </div>
      ) : null}
      {training ? (
        <div className="job">
          <span>
            Training: {training.stage} {training.stage === 'starting' ? '' : fmtPct(training.fraction)}
          </span>
          <progress
            max={1}
            value={training.stage === 'starting' ? undefined : training.fraction}
            aria-label="Training progress"
          />
        </div>
      ) : null}
      {!features && !training && idle ? <span className="muted">{idle}</span> : null}
    </div>
  );
}
