/**
 * The GraphQL contract, one file an area. Its names are fixed (README, "Read models and the GraphQL API"): extend, never
 * rename; the rest serves what a DPO, an auditor or a responder asks next.
 */
import { complianceTypeDefs } from './compliance.js';
import { incidentsTypeDefs } from './incidents.js';
import { ledgerTypeDefs } from './ledger.js';
import { ordersTypeDefs } from './orders.js';
import { rootTypeDefs } from './root.js';
import { subjectsTypeDefs } from './subjects.js';

export const typeDefs = [rootTypeDefs, subjectsTypeDefs, complianceTypeDefs, incidentsTypeDefs, ledgerTypeDefs, ordersTypeDefs].join('\n');
