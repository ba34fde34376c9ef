"""The guest page's words in the five languages (the labels as README's sources give them)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Withdraw from contract here",
        "intro": "Give your order number and the e-mail address you ordered with. If they match "
        "an order that can still be withdrawn from, we send you a link to do it.",
        "number": "Order number",
        "email": "E-mail address",
        "send": "Send me the link",
        "sent": "If an order with that number and e-mail address exists and can still be "
        "withdrawn from, we have sent a link to that address. It works once, for 24 hours.",
        "statement": "Your statement",
        "order": "Order",
        "name": "Your name",
        "ack_email": "E-mail address for the acknowledgement",
        "next": "Continue",
        "review": "Check your withdrawal",
        "confirm": "Confirm withdrawal",
        "received": "We received your withdrawal",
        "download": "Download the acknowledgement",
        "gone": "This link has expired or was already used. Ask for a new one on the "
        "withdrawal page.",
        "limited": "Too many requests. Please wait a moment and try again.",
    },
    "nl": {
        "title": "Overeenkomst hier herroepen",
        "intro": "Vul uw bestelnummer in en het e-mailadres waarmee u bestelde. Als ze horen bij "
        "een bestelling die u nog kunt herroepen, sturen wij u een link om dat te doen.",
        "number": "Bestelnummer",
        "email": "E-mailadres",
        "send": "Stuur mij de link",
        "sent": "Als er een bestelling met dat nummer en e-mailadres bestaat die u nog kunt "
        "herroepen, hebben wij een link naar dat adres gestuurd. Hij werkt één keer, 24 uur lang.",
        "statement": "Uw verklaring",
        "order": "Bestelling",
        "name": "Uw naam",
        "ack_email": "E-mailadres voor de ontvangstbevestiging",
        "next": "Verder",
        "review": "Controleer uw herroeping",
        "confirm": "Herroeping bevestigen",
        "received": "Wij hebben uw herroeping ontvangen",
        "download": "Ontvangstbevestiging downloaden",
        "gone": "Deze link is verlopen of al gebruikt. Vraag een nieuwe aan op de "
        "herroepingspagina.",
        "limited": "Te veel verzoeken. Wacht even en probeer het opnieuw.",
    },
    "de": {
        "title": "Vertrag widerrufen",
        "intro": "Geben Sie Ihre Bestellnummer und die E-Mail-Adresse Ihrer Bestellung ein. "
        "Passen sie zu einer Bestellung, die Sie noch widerrufen können, senden wir Ihnen einen "
        "Link dafür.",
        "number": "Bestellnummer",
        "email": "E-Mail-Adresse",
        "send": "Link senden",
        "sent": "Falls es eine Bestellung mit dieser Nummer und E-Mail-Adresse gibt, die Sie "
        "noch widerrufen können, haben wir einen Link an diese Adresse gesendet. Er gilt einmal, "
        "24 Stunden lang.",
        "statement": "Ihre Erklärung",
        "order": "Bestellung",
        "name": "Ihr Name",
        "ack_email": "E-Mail-Adresse für die Eingangsbestätigung",
        "next": "Weiter",
        "review": "Prüfen Sie Ihren Widerruf",
        "confirm": "Widerruf bestätigen",
        "received": "Wir haben Ihren Widerruf erhalten",
        "download": "Eingangsbestätigung herunterladen",
        "gone": "Dieser Link ist abgelaufen oder wurde schon benutzt. Fordern Sie auf der "
        "Widerrufsseite einen neuen an.",
        "limited": "Zu viele Anfragen. Bitte warten Sie einen Moment und versuchen Sie es erneut.",
    },
    "fr": {
        "title": "Renoncer au contrat ici",
        "intro": "Indiquez votre numéro de commande et l’adresse e-mail de la commande. S’ils "
        "correspondent à une commande dont vous pouvez encore vous rétracter, nous vous envoyons "
        "un lien pour le faire.",
        "number": "Numéro de commande",
        "email": "Adresse e-mail",
        "send": "M’envoyer le lien",
        "sent": "Si une commande avec ce numéro et cette adresse existe et permet encore la "
        "rétractation, nous avons envoyé un lien à cette adresse. Il fonctionne une fois, "
        "pendant 24 heures.",
        "statement": "Votre déclaration",
        "order": "Commande",
        "name": "Votre nom",
        "ack_email": "Adresse e-mail pour l’accusé de réception",
        "next": "Continuer",
        "review": "Vérifiez votre rétractation",
        "confirm": "Confirmer la rétractation",
        "received": "Nous avons reçu votre rétractation",
        "download": "Télécharger l’accusé de réception",
        "gone": "Ce lien a expiré ou a déjà été utilisé. Demandez-en un nouveau sur la page de "
        "rétractation.",
        "limited": "Trop de demandes. Veuillez patienter un instant et réessayer.",
    },
    "es": {
        "title": "Desistir del contrato aquí",
        "intro": "Indique su número de pedido y el correo electrónico con el que lo hizo. Si "
        "corresponden a un pedido del que aún puede desistir, le enviaremos un enlace para "
        "hacerlo.",
        "number": "Número de pedido",
        "email": "Correo electrónico",
        "send": "Enviarme el enlace",
        "sent": "Si existe un pedido con ese número y correo electrónico del que aún puede "
        "desistir, hemos enviado un enlace a esa dirección. Funciona una vez, durante 24 horas.",
        "statement": "Su declaración",
        "order": "Pedido",
        "name": "Su nombre",
        "ack_email": "Correo electrónico para el acuse de recibo",
        "next": "Continuar",
        "review": "Revise su desistimiento",
        "confirm": "Confirmar desistimiento",
        "received": "Hemos recibido su desistimiento",
        "download": "Descargar el acuse de recibo",
        "gone": "Este enlace ha caducado o ya se ha usado. Solicite uno nuevo en la página de "
        "desistimiento.",
        "limited": "Demasiadas solicitudes. Espere un momento y vuelva a intentarlo.",
    },
}
