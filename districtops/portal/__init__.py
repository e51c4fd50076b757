"""The site's top floor: the home page, navigation, help, the to-do and home-panel registries,
the demo and scale loaders' registries, health and readiness. It may import every app; no app
imports it."""
