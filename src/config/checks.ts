// Rules that span several keys (fitness names declared metrics, once each, operators exist, LLM operators have
// an llm section, …). They read the raw input defensively so they can run alongside the schema and
// every problem is reported in one pass.
import { closestMatch, didYouMean } from './did-you-mean.ts';
import type { ConfigIssue } from './issues.ts';
import { KNOWN_OPERATORS, isKnownOperator, operatorNeedsLlm } from './operators.ts';

type Raw = Record<string, unknown>;

function asObject(value: unknown): Raw | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
}

export function crossFieldIssues(input: unknown): ConfigIssue[] {
  const root = asObject(input);
  if (!root) return [];
  return [...metricReferenceIssues(root), ...operatorIssues(root), ...evaluatorIssues(root), ...weightIssues(root), ...llmIssues(root)];
}

function metricReferenceIssues(root: Raw): ConfigIssue[] {
  const metrics = asObject(root.metrics);
  if (!metrics) return [];
  const declared = Object.keys(metrics);
  const issues: ConfigIssue[] = [];
  const unknownMetric = (name: string) =>
    didYouMean(name, declared) || (declared.length > 0 ? `declared metrics: ${declared.join(', ')}` : 'declare it under `metrics:`');
  if (typeof root.fitness === 'string' && !declared.includes(root.fitness)) {
    issues.push({ path: ['fitness'], message: `\`${root.fitness}\` is not a declared metric`, hint: unknownMetric(root.fitness) });
  }
  if (Array.isArray(root.fitness)) {
    root.fitness.forEach((name: unknown, index) => {
      if (typeof name !== 'string') return;
      if (!declared.includes(name)) {
        issues.push({ path: ['fitness', index], message: `\`${name}\` is not a declared metric`, hint: unknownMetric(name) });
      } else if ((root.fitness as unknown[]).indexOf(name) !== index) {
        issues.push({ path: ['fitness', index], message: `\`${name}\` is listed twice`, hint: 'list each fitness metric once; its direction comes from `metrics:`' });
      }
    });
  }
  const descriptors = asObject(root.archive)?.descriptors;
  if (Array.isArray(descriptors) && asObject(root.archive)?.noveltyThreshold !== undefined) {
    issues.push({
      path: ['archive', 'noveltyThreshold'],
      message: 'novelty rejection compares code embeddings, which only learned descriptors compute',
      hint: 'remove archive.noveltyThreshold, or use `descriptors: learned`',
    });
  }
  if (Array.isArray(descriptors)) {
    descriptors.forEach((entry, index) => {
      const descriptor = asObject(entry);
      if (!descriptor) return;
      if (typeof descriptor.metric === 'string' && !declared.includes(descriptor.metric)) {
        issues.push({
          path: ['archive', 'descriptors', index, 'metric'],
          message: `\`${descriptor.metric}\` is not a declared metric`,
          hint: unknownMetric(descriptor.metric),
        });
      }
      if (typeof descriptor.min === 'number' && typeof descriptor.max === 'number' && descriptor.min >= descriptor.max) {
        issues.push({ path: ['archive', 'descriptors', index], message: `min (${descriptor.min}) must be below max (${descriptor.max})` });
      }
    });
  }
  return issues;
}

function operatorIssues(root: Raw): ConfigIssue[] {
  const operators = asObject(root.operators);
  if (!operators) return [];
  const issues: ConfigIssue[] = [];
  for (const name of Object.keys(operators)) {
    if (!isKnownOperator(name)) {
      issues.push({
        path: ['operators', name],
        message: `unknown operator \`${name}\``,
        hint: didYouMean(name, KNOWN_OPERATORS) || `known operators: ${KNOWN_OPERATORS.join(', ')}`,
        atKey: true,
      });
    } else if (operatorNeedsLlm(name) && root.llm === undefined) {
      issues.push({
        path: ['operators', name],
        message: `operator \`${name}\` calls a language model but there is no \`llm:\` section`,
        hint: 'add `llm: { models: [...] }` (see docs/guide/config.md) or remove the operator',
        atKey: true,
      });
    }
  }
  return issues;
}

function evaluatorIssues(root: Raw): ConfigIssue[] {
  const stages = asObject(root.evaluator)?.stages;
  if (!Array.isArray(stages)) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  stages.forEach((entry, index) => {
    const name = asObject(entry)?.name;
    if (typeof name !== 'string') return;
    if (seen.has(name)) issues.push({ path: ['evaluator', 'stages', index, 'name'], message: `stage name \`${name}\` is used twice` });
    seen.add(name);
  });
  if (stages.length > 0 && stages.every((entry) => asObject(entry)?.holdout === true)) {
    issues.push({
      path: ['evaluator', 'stages'],
      message: 'every stage is a holdout stage, so regular evaluations would run nothing',
      hint: 'leave `holdout: true` only on the stage(s) with the unseen inputs',
    });
  }
  return issues;
}

/** All-zero weights would leave the scheduler nothing to choose: say so instead of stalling. */
function weightIssues(root: Raw): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const operators = asObject(root.operators);
  if (operators) {
    const weights = Object.values(operators).map((o) => asObject(o)?.weight ?? 1);
    if (weights.length === 0) issues.push({ path: ['operators'], message: 'enable at least one operator' });
    else if (weights.every((w) => w === 0)) issues.push({ path: ['operators'], message: 'every operator has weight 0' });
  }
  const sampler = asObject(root.sampler);
  if (sampler && ['exploit', 'explore', 'curiosity'].every((k) => sampler[k] === 0)) {
    issues.push({ path: ['sampler'], message: 'exploit, explore and curiosity are all 0' });
  }
  return issues;
}

function llmIssues(root: Raw): ConfigIssue[] {
  const llm = asObject(root.llm);
  if (!llm) return [];
  const issues: ConfigIssue[] = [];
  const models = Array.isArray(llm.models) ? llm.models.map(asObject) : [];
  const names = models.map((m) => (typeof m?.name === 'string' ? m.name : undefined));
  const declared = names.filter((n): n is string => n !== undefined);
  names.forEach((name, index) => {
    if (name !== undefined && names.indexOf(name) !== index) {
      issues.push({ path: ['llm', 'models', index, 'name'], message: `model name \`${name}\` is used twice` });
    }
  });
  models.forEach((model, index) => {
    const fallback = model?.fallback;
    if (!Array.isArray(fallback)) return;
    fallback.forEach((target, position) => {
      if (typeof target === 'string' && !declared.includes(target)) {
        const suggestion = closestMatch(target, declared);
        issues.push({
          path: ['llm', 'models', index, 'fallback', position],
          message: `\`${target}\` is not a model name in llm.models`,
          hint: suggestion ? `did you mean \`${suggestion}\`?` : `model names: ${declared.join(', ')}`,
        });
      }
    });
  });
  const fractions = llm.pressureFractions;
  if (Array.isArray(fractions) && fractions.length === 2 && fractions.every((f) => typeof f === 'number')) {
    const [medium, high] = fractions as [number, number];
    if (!(medium <= 1 && high > 0 && high < medium)) {
      issues.push({ path: ['llm', 'pressureFractions'], message: 'expected [medium, high] with 1 ≥ medium > high > 0' });
    }
  }
  return issues;
}
