import { create } from 'zustand';

export interface FeaturesProgress {
  done: number;
  total: number;
}
export interface TrainingProgress {
  stage: string;
  fraction: number;
}

interface JobsState {
  features: FeaturesProgress | null;
  training: TrainingProgress | null;
  setFeatures(p: FeaturesProgress | null): void;
  setTraining(p: TrainingProgress | null): void;
}

/**
 * Background work the engine reports through events (feature recompute, training).
 * Models, Settings and Sources all show it, so it lives in its own small slice.
 */
export const useJobs = create<JobsState>((set) => ({
  features: null,
  training: null,
  setFeatures: (p) => set({ features: p && p.total > 0 && p.done >= p.total ? null : p }),
  setTraining: (p) => set({ training: p && p.fraction >= 1 ? null : p }),
}));
