/** What the ledger holds about one subject: the access answer, its categories, recipients, transfers, consents and requests. */
export const subjectsTypeDefs = /* GraphQL */ `
  type SubjectConnection { edges: [SubjectEdge!]!, pageInfo: PageInfo! }
  type SubjectEdge { cursor: String!, node: SubjectSummary! }
  type SubjectSummary { subjectId: ID!, firstSeenAt: DateTime!, lastSeenAt: DateTime!, erased: Boolean!, erasedAt: DateTime, events: Int! }
  type SubjectExport { json: JSON!, html: String! }

  type SubjectAccessReport {
    subjectId: ID!
    erased: Boolean!
    erasedAt: DateTime
    "Events recorded for the subject after erasure (a new registration, a late log line)."
    eventsAfterErasure: Int!
    firstSeenAt: DateTime!
    lastSeenAt: DateTime!
    "Every purpose the subject's data was collected or used for."
    purposes: [String!]!
    categories: [HeldCategory!]!
    recipients: [Recipient!]!
    transfers: [Transfer!]!
    consents: [Consent!]!
    requests: [SubjectRequest!]!
    "Who used or passed on the subject's data, when, and for what."
    accessLog: [Access!]!
    "Decisions about the subject made by automated means alone (GDPR Art. 15(1)(h), 22; PIPL Art. 24): the accessLog entries whose action is decided."
    automatedDecisions: [Access!]!
    timeline(first: Int = 50, after: String): EventConnection!
    "An inclusion bundle (README, Proofs) for every event recorded about the subject, checkable offline with pdl verify-proof. Null: none."
    proof: JSON
  }

  type Access {
    eventId: ID!
    occurredAt: DateTime!
    actor: Actor!
    "used, decided (an automated decision about the subject), shared, transferred-abroad, or viewed (decrypted values shown through this API)"
    action: String!
    "The system that used the data, the recipient it went to, or the API operation that showed it."
    target: String!
    "Null for a view: the reader's role says why they may see it."
    purpose: String
    categories: [String!]!
  }

  enum CategoryStatus { held deleted anonymized erased }

  type HeldCategory {
    category: String!
    label: String!
    status: CategoryStatus!
    purposes: [String!]!
    legalBases: [String!]!
    sources: [String!]!
    methods: [String!]!
    storage: [Storage!]!
    usedBy: [String!]!
    firstCollectedAt: DateTime
    lastCollectedAt: DateTime
    lastUsedAt: DateTime
    retention: String
    retainedUntil: DateTime
    deletedAt: DateTime
    "When the value was last corrected (DataRectified); value is then the corrected one."
    rectifiedAt: DateTime
    collectedAfterErasure: Boolean!
    "The value, decrypted. Null when erased, deleted, never given, or when the caller's role may not see values."
    value: String
    "Ids of the events this entry rests on."
    evidence: [ID!]!
  }

  type Storage { system: String!, kind: String!, region: String! }

  type Recipient {
    id: ID!
    name: String!
    kind: String!
    region: String!
    abroad: Boolean!
    categories: [String!]!
    purposes: [String!]!
    legalBases: [String!]!
    legalRequestIds: [ID!]!
    firstShared: DateTime!
    lastShared: DateTime!
    shares: Int!
    evidence: [ID!]!
  }

  type RecipientRef { id: ID!, name: String!, kind: String!, region: String! }

  type Transfer {
    eventId: ID!
    subjectId: ID!
    occurredAt: DateTime!
    recipient: RecipientRef!
    fromRegion: String!
    toRegion: String!
    categories: [String!]!
    purpose: String!
    mechanism: String!
    securityMeasures: [String!]!
    risks: [String!]!
    consentId: ID
    "In the compliance report: valid, or not-valid with the problem."
    consentStatus: String
    consentProblem: String
  }

  type Disclosures { purpose: String, recipient: String, securityMeasures: [String!], risks: [String!] }
  type Withdrawal { at: DateTime!, purposes: [String!], all: Boolean!, eventId: ID! }

  type Consent {
    consentId: ID!
    "active, partially-withdrawn, withdrawn, refused (a purpose refused with no consent given), or ended-by-erasure (the subject was erased while it stood)."
    status: String!
    purposes: [String!]!
    categories: [String!]
    disclosures: Disclosures
    policyVersion: String
    channel: String
    givenAt: DateTime
    withdrawals: [Withdrawal!]!
  }

  type SubjectRequest {
    subjectId: ID!
    requestId: ID!
    kind: String
    receivedAt: DateTime
    deadline: DateTime
    completedAt: DateTime
    outcome: String
    "Why it was refused, when it was (a term of refusalReasons)."
    refusalReason: String
    "open, completed, or overdue (open past its deadline, now)."
    status: String!
    daysLeft: Int
    evidence: [ID!]!
  }
`;
