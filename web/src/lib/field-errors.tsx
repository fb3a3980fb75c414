// The per-field errors of a form: the control of a field at fault is marked aria-invalid and
// described by its message, and after a refused submit the focus moves to the first such control.

import { useRef, useState } from 'react';
import { useFocusFirstInvalid } from './use-focus-invalid';

/** `id`: the form's useId, which also prefixes the ids of its controls. */
export function useFieldErrors(id: string) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const formRef = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(formRef, errors);
  const errorId = (k: string) => `${id}-${k}-err`;
  /** The props of the control of field `k`. */
  const invalid = (k: string) =>
    errors[k] ? { 'aria-invalid': true as const, 'aria-describedby': errorId(k) } : {};
  /** The message of field `k`, if it has one. */
  const fieldError = (k: string) =>
    errors[k] ? (
      <span id={errorId(k)} className="field-error">
        {errors[k]}
      </span>
    ) : null;
  return { errors, setErrors, formRef, errorId, invalid, fieldError };
}
