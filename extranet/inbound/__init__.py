"""Inbound e-mail: replies to notifications become messages on their request, mail to a field's
address files a request. Each message is stored raw (``models``, storage) when it arrives, by the
worker's SMTP/LMTP receiver or IMAP polling (``receiver``), then processed once (``service``):
loops are dropped (``loops``), replies trimmed (``trimming``), addresses signed (``addresses``)."""
