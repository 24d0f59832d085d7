import { AppError } from '../../protocol/errors.js';

/**
 * Testinium's company. Proctor has none: the whole server is one company, id 1, and every project
 * a key may see belongs to it. Clients list it (`GET /api/users/companies/`) and pass its id back.
 */
export const PROCTOR_COMPANY = { id: 1, company_name: 'Proctor', short_name: 'proctor' } as const;

/**
 * Refuses a company id other than Proctor's with the document's `Company not found` (404). The
 * `current-company-id` header that some clients send with every call is not checked: it names
 * the company a user works in, and there is only one.
 */
export function assertCompany(raw: string | number): void {
  if (Number(raw) !== PROCTOR_COMPANY.id) {
    throw new AppError(
      'NOT_FOUND',
      `company ${String(raw).slice(0, 40)} does not exist: this server is one company, id ${PROCTOR_COMPANY.id}`,
      { details: { testinium_message: 'Company not found' } },
    );
  }
}
