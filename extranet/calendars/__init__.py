"""Private calendar (ICS) feeds of the due dates a person or an organization's manager follows."""
