"""Files that people upload and download: what is accepted, how it is kept, how it is sent.

``storage`` only moves bytes under keys the server makes up. This package decides everything
else: the file name shown and offered (``names``), the type read from the bytes and the
allowlist (``sniff``), the upload's limits and refusals and its cleanup when anything fails
(``uploads``), virus scanning (``scan``), the one way a file is sent back (``downloads``), and
the checker comparing storage with the rows (``check``, ``flask storage check``). One table
holds every stored file, whoever owns it (``models``), and one quota counts them (``quota``).
"""


class UploadRefused(Exception):
    """An upload that cannot be kept; ``str(error)`` is a translated message naming the file."""
