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
    "An inclusion bundle (README, Proofs) for every event the affected subjects' evidence cites. Null: none."
    proof: JSON
  }

  type AffectedSubject { subjectId: ID!, categories: [String!]!, systems: [String!]!, evidence: [ID!]! }
`;
