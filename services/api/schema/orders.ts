/** Deletion orders (README "Erasure that reaches every copy"): each target ordered to delete, and whether it confirmed. */
export const ordersTypeDefs = /* GraphQL */ `
  extend type Query {
    "Deletion orders across subjects, soonest due first (dpo, admin, auditor). status: open, overdue, confirmed, confirmed-late or all; none: those not confirmed (open and overdue). target: one target's, as kind:id (system:user-db). Judged now."
    deletionOrders(status: String, subjectId: ID, target: String, first: Int = 100): [DeletionOrder!]!
  }

  extend type Mutation {
    "Closes a deletion order as a manual task (dpo, admin): records a DeletionConfirmed with the reference (a ticket, a message id — never a personal value) as its evidence."
    confirmDeletionOrder(orderId: ID!, reference: String!): DeletionOrder!
  }

  extend type SubjectAccessReport {
    "Every deletion order sent about the subject's data, with where it stands now."
    deletionOrders: [DeletionOrder!]!
  }

  extend type ComplianceReport {
    "Erasure reach: per cause of an erasure, the targets ordered to delete, how many confirmed (on time, late), how many are open or overdue — from the cause until every target confirmed, when that overlaps the period."
    erasureReach: [ErasureReachCause!]!
  }

  "A system (where the data was stored or used) or a recipient (whom it was shared with or transferred to)."
  type DeletionTarget { kind: String!, id: ID! }

  type DeletionOrder {
    orderId: ID!
    subjectId: ID!
    target: DeletionTarget!
    categories: [String!]!
    "Categories not yet confirmed deleted."
    outstanding: [String!]!
    "erasure-request, subject-erased, retention-ended, shutdown or consent-withdrawn"
    reason: String!
    "The request id or event id the order serves."
    cause: String!
    causedAt: DateTime!
    "Runs from the cause, never from when the order was issued."
    dueBy: DateTime!
    orderedAt: DateTime!
    "open, overdue, confirmed, or confirmed-late"
    status: String!
    confirmedAt: DateTime
    reference: String
    confirmedBy: String
    "The DeletionOrdered event."
    eventId: ID!
    "The events that confirmed it."
    confirmations: [ID!]!
    "How it reaches its target (pdl serve --deliveries): one delivery per channel — the target's signed webhook, the orders topic. None: no channel, or not yet picked up."
    deliveries: [OrderDelivery!]!
    "No channel reaches the target (no webhook, not reading the orders topic), or every delivery was given up: a dpo closes it with a reference (confirmDeletionOrder)."
    manualTask: Boolean!
  }

  "One channel's delivery of an order, as the ledger keeps it (never the receiver's answer)."
  type OrderDelivery {
    "webhook or kafka"
    channel: String!
    "pending (an attempt to come), delivered, failed (given up after the last attempt allowed), or closed (confirmed before it went out)"
    state: String!
    attempts: Int!
    lastAttemptAt: DateTime
    nextAttemptAt: DateTime
    "Why the last attempt failed, in the ledger's words: HTTP 500, ECONNREFUSED, timeout…"
    lastError: String
    deliveredAt: DateTime
  }

  type ErasureReachCause {
    subjectId: ID!
    reason: String!
    cause: String!
    causedAt: DateTime!
    dueBy: DateTime!
    ordered: Int!
    confirmed: Int!
    confirmedLate: Int!
    open: Int!
    overdue: Int!
    "When the last target confirmed; null while any is open."
    settledAt: DateTime
    orderIds: [ID!]!
  }
`;
