"""Mail in: parsing, classification, authentication results, IMAP and file sources.

Nothing here touches the database; `services.importing` composes these with the store.
"""
