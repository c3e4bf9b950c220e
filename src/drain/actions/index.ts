import type { DrainAction } from '../sdk.js';
import { commandAction } from './command.js';
import { dockerAction } from './docker.js';
import { killAction } from './kill.js';
import { kubernetesAction } from './kubernetes.js';
import { slurmAction } from './slurm.js';
import { systemdAction } from './systemd.js';
import { waitIdleAction } from './wait-idle.js';

/** The actions every configuration can name. */
export const BUILT_IN_ACTIONS: readonly DrainAction[] = [
  commandAction,
  killAction,
  systemdAction,
  slurmAction,
  kubernetesAction,
  dockerAction,
  waitIdleAction,
] as DrainAction[];
