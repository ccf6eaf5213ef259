"""Print a new VAPID key pair for Web Push reminders, as environment variables (README):

    python manage.py vapid_keys

Both keys are base64url: the public key is the P-256 point browsers take as
`applicationServerKey`, the private key its raw 32-byte secret. Keep the private key as secret
as SECRET_KEY. A new pair makes every device subscribed under the old one stop getting
reminders until its owner chooses "Get reminders on this device" again.
"""

from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand
from py_vapid import Vapid
from py_vapid.utils import b64urlencode


def new_pair() -> tuple[str, str]:
    """(public, private), base64url without padding."""
    key = Vapid()
    key.generate_keys()
    public = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64urlencode(public), b64urlencode(private)


class Command(BaseCommand):
    help = "Print a new VAPID key pair (VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY) for Web Push."

    def handle(self, *args, **options):
        public, private = new_pair()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}\nVAPID_PRIVATE_KEY={private}\n")
