"""The field app's client of the central store: enrollment and background sync."""
