/**
 * Declared vs actual: the processing the policy in force declares, per purpose, against what the
 * ledger saw by a moment — (a) processing observed but not declared, each with its evidence;
 * (b) declared processing never observed. A declaration's list left out states nothing and is
 * not compared; an empty list declares "none".
 */
import type { ReadSource } from '../projection-context.js';
import { DIMENSIONS, readObservations, type Dimension } from '../processing-register/observed-processing.js';
import { policyAt } from '../policies/policy-in-force.js';

const LISTS: Record<Dimension, 'categories' | 'systems' | 'recipientKinds' | 'regions'> = {
  category: 'categories', system: 'systems', recipientKind: 'recipientKinds', region: 'regions',
};

export interface UndeclaredProcessing {
  purpose: string;
  /** `purpose`: the purpose itself is not declared. */
  dimension: Dimension | 'purpose';
  value: string;
  firstSeenAt: string;
  /** The earliest event that showed it. */
  evidence: string[];
}

export interface UnobservedDeclaration { purpose: string; dimension: Dimension | 'purpose'; value: string; source: string }

export interface ProcessingDrift {
  asOf: string;
  policyVersion: string;
  /** False when the policy in force declares nothing: no comparison was made. */
  declared: boolean;
  undeclared: UndeclaredProcessing[];
  unobserved: UnobservedDeclaration[];
}

export function processingDrift(db: ReadSource, asOf: string): ProcessingDrift {
  const policy = policyAt(db, asOf);
  const declarations = policy.document.declared;
  const base = { asOf, policyVersion: policy.version };
  if (!declarations) return { ...base, declared: false, undeclared: [], unobserved: [] };
  const observed = readObservations(db).filter((o) => o.firstAt <= asOf);
  const byPurpose = new Map(declarations.map((d) => [d.purpose as string, d]));
  const undeclared: UndeclaredProcessing[] = [];
  const purposeReported = new Set<string>();
  for (const o of observed) {
    const evidence = [o.firstEventId];
    const declaration = byPurpose.get(o.purpose);
    if (!declaration) {
      if (o.dimension === 'category' && !purposeReported.has(o.purpose)) {
        purposeReported.add(o.purpose);
        undeclared.push({ purpose: o.purpose, dimension: 'purpose', value: o.purpose, firstSeenAt: o.firstAt, evidence });
      }
      continue;
    }
    const list: readonly string[] | undefined = declaration[LISTS[o.dimension]];
    if (list !== undefined && !list.includes(o.value)) {
      undeclared.push({ purpose: o.purpose, dimension: o.dimension, value: o.value, firstSeenAt: o.firstAt, evidence });
    }
  }
  const seen = new Set(observed.map((o) => `${o.purpose}|${o.dimension}|${o.value}`));
  const seenPurposes = new Set(observed.map((o) => o.purpose));
  const unobserved: UnobservedDeclaration[] = [];
  for (const declaration of declarations) {
    if (!seenPurposes.has(declaration.purpose)) {
      unobserved.push({ purpose: declaration.purpose, dimension: 'purpose', value: declaration.purpose, source: declaration.source });
      continue;
    }
    for (const dimension of DIMENSIONS) {
      for (const value of declaration[LISTS[dimension]] ?? []) {
        if (!seen.has(`${declaration.purpose}|${dimension}|${value}`)) unobserved.push({ purpose: declaration.purpose, dimension, value, source: declaration.source });
      }
    }
  }
  return { ...base, declared: true, undeclared, unobserved };
}
