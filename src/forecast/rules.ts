/** The rules a config must meet against the data it is given, beyond what validation of the config alone can see. */
import type { Config } from '../config/types.js';
import { calendarProblem } from '../data/calendar.js';
import { ConfigError } from '../errors.js';
import type { Series } from '../types.js';
import { onlyTargetInput } from './forecast.js';

/** Throws one ConfigError listing every rule the config breaks for this series' inputs. */
export function checkConfigAgainstData(cfg: Config, series: Series): void {
  const problems: string[] = [];
  const w = cfg.window;
  if (!onlyTargetInput(cfg.data.features, cfg.data.target)) {
    if (!cfg.data.features.includes(cfg.data.target) && (w.strategy === 'recursive' || w.mode === 'one-to-one'))
      problems.push('data.features: must include the target for recursive or one-to-one forecasting');
    if (w.mode === 'one-to-one' || w.strategy === 'recursive')
      problems.push('data.features: other inputs than the target need window.mode many-to-one with strategy direct (future inputs are unknown)');
    if (w.normalize === 'last' && !cfg.data.features.includes(cfg.data.target))
      problems.push('data.features: must include the target for window.normalize last (targets are taken relative to its last input)');
    if (cfg.evaluation.test_size > w.horizon && !cfg.evaluation.rolling)
      problems.push(
        `evaluation.test_size: must be at most window.horizon (${w.horizon}) when there are inputs other than the target, unless evaluation.rolling`,
      );
  }
  if (cfg.model.pretrained !== 'none' && !onlyTargetInput(cfg.data.features, cfg.data.target))
    problems.push('model.pretrained: the pretrained forecaster reads the target alone; leave data.features out, or set model.pretrained: none');
  for (const name of cfg.data.calendar ?? []) {
    const why = calendarProblem(name, series.index);
    if (why) problems.push(`data.calendar: ${why}`);
  }
  if (problems.length) throw new ConfigError(`config does not fit the data in ${series.target}`, problems);
}
