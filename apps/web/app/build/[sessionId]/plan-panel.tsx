import type { PhaseView, ReviewView, TPhaseState } from '../../../lib/session-view';

const STATE_LABELS: Record<TPhaseState, string> = {
  generating: 'Planning',
  generated: 'Planned',
  implementing: 'Implementing',
  implemented: 'Done',
};

/** The phases as the agent plans and builds them, then the review. */
export function PlanPanel({
  phases,
  waiting,
  review,
  building,
}: {
  phases: PhaseView[];
  /** Planned phases the run has not reached yet. */
  waiting: string[];
  review: ReviewView | undefined;
  building: boolean;
}) {
  return (
    <section className="card panel" aria-labelledby="plan-title">
      <div className="card-head">
        <h2 id="plan-title">Plan</h2>
        <span className="muted small-inline">
          {phases.filter((p) => p.state === 'implemented').length} of {phases.length + waiting.length} phases done
        </span>
      </div>
      {phases.length + waiting.length === 0 && (
        <p className="muted">{building ? 'The agent is planning the app…' : 'No phases.'}</p>
      )}
      <ol className="phases">
        {phases.map((phase) => (
          <li key={phase.name} className={`phase ${phase.state}`} data-testid="phase" data-state={phase.state}>
            <span className={`phase-mark ${phase.state}`} aria-hidden />
            <div>
              <div className="phase-line">
                <span className="name">{phase.name}</span>
                <span className={`tag ${phase.state}`}>{STATE_LABELS[phase.state]}</span>
              </div>
              <p className="muted phase-desc">{phase.description}</p>
              {phase.files.length > 0 && <p className="phase-files">{phase.files.map((f) => f.path).join(' · ')}</p>}
            </div>
          </li>
        ))}
        {waiting.map((name) => (
          <li key={name} className="phase waiting" data-testid="phase" data-state="waiting">
            <span className="phase-mark waiting" aria-hidden />
            <div>
              <div className="phase-line">
                <span className="name">{name}</span>
                <span className="tag waiting">Next</span>
              </div>
            </div>
          </li>
        ))}
      </ol>
      {review && (
        <div className="review" data-testid="review" data-state={review.state}>
          <span className={`phase-mark ${review.state === 'reviewed' ? 'implemented' : 'implementing'}`} aria-hidden />
          <div>
            <div className="phase-line">
              <span className="name">Review</span>
              <span className={`tag ${review.state === 'reviewed' ? 'implemented' : 'implementing'}`}>
                {review.state === 'reviewed' ? 'Done' : 'Reviewing'}
              </span>
            </div>
            <p className="muted phase-desc">{review.summary ?? review.message}</p>
            {review.filesChanged.length > 0 && (
              <p className="phase-files">Changed: {review.filesChanged.join(' · ')}</p>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
