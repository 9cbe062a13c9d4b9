/** Incident forensics: whose data an incident exposed, and its reports. */
export const incidentsTypeDefs = /* GraphQL */ `
  type IncidentReport { audience: String!, at: DateTime!, subjectId: ID, eventId: ID! }
  type IncidentImpact {
    incidentId: ID!
    systems: [String!]!
    windowFrom: DateTime
    windowTo: DateTime
    description: String
    openedAt: DateTime
    closedAt: DateTime
    subjectCount: Int!
    subjects: [AffectedSubject!]!
    "Who was told, when (IncidentReported): the authority, one person, or everybody affected."
    reports: [IncidentReport!]!
    "The reporting clock, as of now: the deadline from the policy in force at the opening, and who was told by then. Null: nobody's data was exposed, or not opened."
    notification: IncidentNotification
    "An inclusion bundle (README, Proofs) for every event the affected subjects' evidence cites. Null: none."
    proof: JSON
  }

  type AffectedSubject {
    subjectId: ID!
    categories: [String!]!
    "The categories as the taxonomy names them, in the same order."
    categoryLabels: [String!]!
    systems: [String!]!
    evidence: [ID!]!
    "When the first report that reached this person was made (to them, or to everybody affected); null: not told."
    toldAt: DateTime
  }
  type IncidentNotification {
    deadline: DateTime!
    policyVersion: String!
    "The first report to the authority; null: not reported."
    authorityToldAt: DateTime
    subjectsTold: Int!
    subjectsNotTold: Int!
    "Whether every report due was made by the deadline (as of now)."
    onTime: Boolean!
  }
`;
