/** Which stream an event belongs to: one per subject, incident, legal request and service, one for policy. */
import type { LedgerEvent } from '../../schemas/event.js';

export function streamOf(event: LedgerEvent): string {
  switch (event.type) {
    case 'LegalRequestReceived':
      return `legal-request-${event.data.requestId}`;
    case 'ServiceShutdownAnnounced':
      return `service-${event.data.service}`;
    case 'IncidentOpened':
    case 'IncidentClosed':
    case 'IncidentReported':
      return `incident-${event.data.incidentId}`;
    case 'PolicyPublished':
      return 'policy';
    case 'ImpactAssessmentCompleted':
      return `assessment-${event.data.assessmentId}`;
    case 'SubjectNotified':
      if (event.subject) return `subject-${event.subject.id}`;
      return event.data.service ? `service-${event.data.service}` : 'notices';
    case 'DataViewed':
      // One answer's audit naming many people belongs to none of them alone.
      return event.subject ? `subject-${event.subject.id}` : 'read-audit';
    default:
      return `subject-${event.subject.id}`;
  }
}
